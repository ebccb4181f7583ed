import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { McpCaller } from './auth.js';

const keys = new WeakMap<object, string>();

/**
 * The caller as far as MCP state between requests is concerned (a cancellation, a log level): the
 * same person through the same client in the same conversation, whatever token they hold now (the
 * agent renews its token every few minutes). Kept per caller object: the verifier hands out the
 * same one for every request with the same token, and two lookups per call asked for it.
 */
export function callerKey(caller: Pick<McpCaller, 'site' | 'sub' | 'client' | 'cid'>): string {
  let key = keys.get(caller);
  if (key === undefined) {
    key = JSON.stringify([caller.site, caller.sub, caller.client, caller.cid]);
    keys.set(caller, key);
  }
  return key;
}

/** A request being answered, as far as cancelling it goes. */
export interface Cancellable {
  cancel(): void;
}

/**
 * Requests being answered, by caller and JSON-RPC id (docs/architecture.md §4). `/mcp` is stateless,
 * so a `notifications/cancelled` arrives in another POST than the request it names (or through the
 * in-process transport): it is matched here, only against the same caller's requests, so nobody can
 * cancel another's. Two clients of one caller that reuse an id both stop: the harm stays with them.
 * Per process: a cancellation that reaches another node finds nothing and the request runs on.
 */
export class InFlight {
  readonly #pending = new Map<string, Set<Cancellable>>();

  /** The key a request is tracked under. */
  static key(caller: McpCaller, id: RequestId): string {
    return `${callerKey(caller)}#${typeof id}:${id}`;
  }

  /** Registers a request under its key (InFlight.key) until `untrack`. */
  track(key: string, request: Cancellable): void {
    let set = this.#pending.get(key);
    if (!set) {
      set = new Set();
      this.#pending.set(key, set);
    }
    set.add(request);
  }

  /** Forgets a request once answered or cancelled. */
  untrack(key: string, request: Cancellable): void {
    const set = this.#pending.get(key);
    if (!set) return;
    set.delete(request);
    if (set.size === 0) this.#pending.delete(key);
  }

  /** Cancels the caller's requests with this id; returns how many there were. */
  cancel(caller: McpCaller, id: RequestId): number {
    const set = this.#pending.get(InFlight.key(caller, id));
    if (!set) return 0;
    const requests = [...set];
    for (const request of requests) request.cancel();
    return requests.length;
  }
}
