import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { McpCaller } from './auth.js';
import { callerKey } from './in-flight.js';

/** RFC 5424 severities, least severe first, as MCP's `logging/setLevel` names them. */
const SEVERITY: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/** Callers whose level is remembered; the oldest is forgotten beyond this (bounded memory). */
const MAX_CALLERS = 10_000;

/**
 * The log level each MCP client asked for with `logging/setLevel` (docs/architecture.md §4). `/mcp`
 * has no sessions, so the level belongs to the caller (site, subject, client, conversation) and
 * applies to their later requests on this process. A caller who never set one gets no log messages
 * (the MCP spec leaves the default to the server).
 */
export class ClientLogLevels {
  readonly #levels = new Map<string, LoggingLevel>();

  set(caller: McpCaller, level: LoggingLevel): void {
    const key = callerKey(caller);
    this.#levels.delete(key);
    this.#levels.set(key, level);
    if (this.#levels.size > MAX_CALLERS) {
      const oldest = this.#levels.keys().next().value;
      if (oldest !== undefined) this.#levels.delete(oldest);
    }
  }

  /** Whether a message at `level` goes to this caller. */
  wants(caller: McpCaller, level: LoggingLevel): boolean {
    const min = this.#levels.get(callerKey(caller));
    return min !== undefined && SEVERITY.indexOf(level) >= SEVERITY.indexOf(min);
  }
}
