import { AsyncLocalStorage } from 'node:async_hooks';
import type { CrmAdapter } from './adapter.js';

/**
 * Cancellation of the CRM work of one MCP tool call (docs/architecture.md §4.2). Every adapter call
 * is refused once the call is cancelled (`cancellable`), and for a vendor CRM the scope also travels
 * with the async context (`withCancellation`), so CrmHttp aborts the request in flight and any wait
 * for a retry without each adapter method carrying a signal. The embedded CRM does not use the async
 * context: its queries take microseconds, and on Node 20 an AsyncLocalStorage in use costs every
 * promise of the process about a fifth more CPU per in-process tool call (measured).
 */
export class CancelScope {
  #shielded = false;

  constructor(readonly signal: AbortSignal) {}

  /** From now on nothing cancels this call's CRM work: a write, once started, finishes whole. */
  shield(): void {
    this.#shielded = true;
  }

  get cancelled(): boolean {
    return this.signal.aborted && !this.#shielded;
  }

  /** The signal a CRM request sent now must honour; none once shielded. */
  get active(): AbortSignal | undefined {
    return this.#shielded ? undefined : this.signal;
  }
}

/** A CRM call given up because the MCP request it served was cancelled (not a CRM failure). */
export class CrmCancelledError extends Error {
  override readonly name = 'CrmCancelledError';
  constructor() {
    super('cancelled by the MCP client');
  }
}

const current = new AsyncLocalStorage<CancelScope>();

/** Runs `fn` with `scope` reaching every CRM request it makes (vendor CRMs). */
export function withCancellation<T>(scope: CancelScope, fn: () => Promise<T>): Promise<T> {
  return current.run(scope, fn);
}

/** The signal cancelling a CRM request sent now, if any. */
export function cancellation(): AbortSignal | undefined {
  return current.getStore()?.active;
}

/** Throws CrmCancelledError when the current call has been cancelled (and is not shielded). */
export function throwIfCancelled(): void {
  if (current.getStore()?.cancelled) throw new CrmCancelledError();
}

/** The adapter as one tool call sees it: each method refuses to start once the call is cancelled. */
export function cancellable(adapter: CrmAdapter, scope: CancelScope): CrmAdapter {
  return new Proxy(adapter, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (scope.cancelled) return Promise.reject(new CrmCancelledError());
        return value.apply(target, args);
      };
    },
  });
}
