import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { McpCaller } from './auth.js';

/**
 * The caller as far as MCP state between requests is concerned (a cancellation, a log level): the
 * same person through the same client in the same conversation, whatever token they hold now (the
 * agent renews its token every few minutes).
 */
export function callerKey(caller: Pick<McpCaller, 'site' | 'sub' | 'client' | 'cid'>): string {
  return JSON.stringify([caller.site, caller.sub, caller.client, caller.cid]);
}

/**
 * Requests being answered, by caller and JSON-RPC id (docs/architecture.md §4). `/mcp` is stateless,
 * so a `notifications/cancelled` arrives in another POST than the request it names (or through the
 * in-process transport): it is matched here, only against the same caller's requests, so nobody can
 * cancel another's. Two clients of one caller that reuse an id both stop: the harm stays with them.
 * Per process: a cancellation that reaches another node finds nothing and the request runs on.
 */
export class InFlight {
  readonly #pending = new Map<string, Set<() => void>>();

  /** Registers a request's cancel function; returns the function that forgets it once answered. */
  track(caller: McpCaller, id: RequestId, cancel: () => void): () => void {
    const key = `${callerKey(caller)}#${typeof id}:${id}`;
    let set = this.#pending.get(key);
    if (!set) {
      set = new Set();
      this.#pending.set(key, set);
    }
    set.add(cancel);
    return () => {
      set.delete(cancel);
      if (set.size === 0 && this.#pending.get(key) === set) this.#pending.delete(key);
    };
  }

  /** Cancels the caller's requests with this id; returns how many there were. */
  cancel(caller: McpCaller, id: RequestId): number {
    const set = this.#pending.get(`${callerKey(caller)}#${typeof id}:${id}`);
    if (!set) return 0;
    const cancels = [...set];
    for (const cancel of cancels) cancel();
    return cancels.length;
  }
}
