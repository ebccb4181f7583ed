import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The cancellation of the MCP request a CRM call is made for (docs/architecture.md §4). It travels
 * with the async context rather than as an argument, so every adapter method (and any added later)
 * honours it without each signature and each vendor's request builder carrying a signal: CrmHttp
 * aborts the request in flight and waits no more for retries, the embedded CRM stops between queries.
 */
const current = new AsyncLocalStorage<AbortSignal | undefined>();

/** A CRM call given up because the MCP request it served was cancelled (not a CRM failure). */
export class CrmCancelledError extends Error {
  override readonly name = 'CrmCancelledError';
  constructor() {
    super('cancelled by the MCP client');
  }
}

/** Runs `fn` with `signal` cancelling every CRM call it makes. */
export function withCancellation<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return current.run(signal, fn);
}

/** Runs `fn` so that nothing cancels its CRM calls: a write, once started, finishes whole. */
export function uncancellable<T>(fn: () => Promise<T>): Promise<T> {
  return current.run(undefined, fn);
}

/** The signal cancelling the current CRM call, if any. */
export function cancellation(): AbortSignal | undefined {
  return current.getStore();
}

/** Throws CrmCancelledError when the current call has been cancelled. */
export function throwIfCancelled(): void {
  if (current.getStore()?.aborted) throw new CrmCancelledError();
}
