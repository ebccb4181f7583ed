import { ModelError } from '../model.js';

/** What both SDKs' APIError carry. */
interface ApiErrorLike {
  status?: number | undefined;
  headers?: Headers | undefined;
  error?: unknown;
  message: string;
}

/** 408, 409, 429, 5xx and 529 are worth retrying (docs/agent.md Q1.5, Q2.5); other 4xx are not. */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** `retry-after-ms`, else `retry-after` in seconds. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const s = Number(headers?.get('retry-after'));
  return Number.isFinite(s) && s > 0 ? s * 1000 : undefined;
}

/** The provider's error type and code, from either SDK's error body. */
export function errorKind(err: ApiErrorLike): { type: string | null; code: string | null } {
  const body = (err.error ?? {}) as Record<string, unknown>;
  const inner = (typeof body.error === 'object' && body.error ? body.error : body) as Record<string, unknown>;
  const details = (inner.details ?? {}) as Record<string, unknown>;
  const code = typeof details.error_code === 'string' ? details.error_code : inner.code;
  return {
    type: typeof inner.type === 'string' ? inner.type : null,
    code: typeof code === 'string' ? code : null,
  };
}

/**
 * Maps an SDK error to a ModelError. The message names status and type only: provider bodies can
 * echo the prompt, which must not reach the logs (L4).
 */
export function toModelError(err: unknown, provider: string): ModelError {
  if (err instanceof ModelError) return err;
  if (!err || typeof err !== 'object' || !('message' in err))
    return new ModelError(`${provider}: failed`, true);
  const e = err as ApiErrorLike;
  const { type, code } = errorKind(e);
  const label = `${provider}: ${e.status ?? 'stream'} ${type ?? code ?? ''}`.trim();
  if (e.status === undefined) {
    // No status: the connection failed or an error event arrived mid-stream (overloaded_error).
    const fatal = type === 'invalid_request_error' || type === 'authentication_error';
    return new ModelError(label, !fatal);
  }
  if (code === 'enforced_spend_limit_reached') return new ModelError(label, false, e.status);
  return new ModelError(label, retryableStatus(e.status), e.status, retryAfterMs(e.headers));
}
