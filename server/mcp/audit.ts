import type { Kysely } from 'kysely';
import { maskArgs } from '../mask.js';
import type { Database } from '../store/schema.js';
import type { McpCaller } from './auth.js';

export interface AuditEntry {
  caller: McpCaller;
  tool: string;
  args: unknown;
  outcome: 'ok' | 'error' | 'denied' | 'confirmation_required';
  errorCode: string | null;
  latencyMs: number;
}

/** Records every tools/call (DESIGN §1.5): who, which scopes, tool, masked arguments, outcome, latency. */
export class AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        at: new Date().toISOString(),
        sub: entry.caller.sub,
        client: entry.caller.client,
        scopes: entry.caller.scopes.join(' '),
        tool: entry.tool.slice(0, 64),
        args: JSON.stringify(maskArgs(entry.args) ?? null),
        outcome: entry.outcome,
        error_code: entry.errorCode,
        latency_ms: Math.round(entry.latencyMs * 100) / 100,
        jti: entry.caller.jti,
      })
      .execute();
  }
}
