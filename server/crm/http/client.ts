import { CrmCancelledError, cancellation, throwIfCancelled } from '../cancel.js';
import { CrmUnavailableError } from '../errors.js';
import { Breaker, Limiter } from './limiter.js';
import { type CrmMetrics, labelCode } from './metrics.js';
import type { OAuthSession } from './oauth.js';

/** What every adapter is given: how to reach the network, where to log and count. */
export interface CrmHttpDeps {
  /** Defaults to Node's own fetch; tests and benches pass it through unchanged. */
  fetch?: typeof fetch;
  log?: { warn(obj: object, msg: string): void };
  metrics?: CrmMetrics;
  siteId?: string;
  /** The site's OAuth access token, when it uses OAuth instead of a static token. */
  oauth?: OAuthSession;
}

export interface CrmRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path under the base URL (or an absolute URL on the same origin, for paging links). */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Reads and idempotent writes are retried on 5xx, timeouts and network errors; others are not. */
  idempotent: boolean;
}

export interface CrmResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty body. */
  body: unknown;
}

/** What one vendor's answers mean: its rate-limit signal and its error code. */
export interface VendorRules {
  /** Wait (ms) a rate-limited answer asks for, or null when the answer is not a rate limit. */
  rateLimitWaitMs(status: number, headers: Headers, body: unknown): number | null;
  /** The vendor's own error code in an error body (for logs and metrics). */
  errorCode(body: unknown): string | null;
}

export interface CrmHttpOptions {
  crm: string;
  baseUrl: string;
  /** The Authorization header value (unused when the deps carry an OAuth session). */
  authorization(): string;
  timeoutMs: number;
  maxConcurrency: number;
  rules: VendorRules;
  /** Attempts in all, first included. */
  attempts?: number;
  /** A rate limit asking for a longer wait than this fails at once: a visitor is waiting. */
  maxWaitMs?: number;
  baseBackoffMs?: number;
}

/** Waits `ms`, or less when the MCP request is cancelled meanwhile (then throws CrmCancelledError). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => {
      clearTimeout(timer);
      reject(new CrmCancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', cancelled);
      resolve();
    }, ms);
    signal?.addEventListener('abort', cancelled, { once: true });
  });
}

/**
 * The one HTTP path to a CRM (docs/crm.md): a timeout per request; retries with exponential backoff and
 * full jitter on 429/5xx/network errors for reads and idempotent writes (a rate-limit refusal is
 * retried for any write, since it was not carried out); each vendor's rate-limit wait honoured;
 * bounded concurrency; a short circuit breaker. Anything other than a usable answer becomes a
 * CrmUnavailableError whose vendor code reaches logs and metrics, never the caller's text.
 */
export class CrmHttp {
  readonly #limiter: Limiter;
  readonly #breaker = new Breaker();
  readonly #fetch: typeof fetch;
  readonly #site: string;
  /** Requests sent (each attempt), for the benchmark's per-tool-call count. */
  sent = 0;

  constructor(
    private readonly opts: CrmHttpOptions,
    private readonly deps: CrmHttpDeps,
  ) {
    this.#limiter = new Limiter(opts.maxConcurrency);
    this.#fetch = deps.fetch ?? fetch;
    this.#site = deps.siteId ?? 'unknown';
  }

  /**
   * Sends one request; 2xx and 4xx (but 401/403/429) come back, everything else throws. A cancelled
   * MCP request (crm/cancel.ts) aborts the request in flight and any wait for a retry, and throws
   * CrmCancelledError, which counts as no CRM failure.
   */
  async request(req: CrmRequest): Promise<CrmResponse> {
    throwIfCancelled();
    if (!this.#breaker.allow()) throw this.#fail(new CrmUnavailableError('breaker_open'));
    const attempts = this.opts.attempts ?? 3;
    const oauth = this.deps.oauth;
    let last: CrmUnavailableError = new CrmUnavailableError('network');
    let renewed = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const auth = oauth ? await this.#guard(oauth.authorization()) : this.opts.authorization();
      const outcome = await this.#limiter.run(() => this.#once(req, auth));
      if (!(outcome instanceof CrmUnavailableError)) {
        this.#breaker.success();
        return outcome;
      }
      last = outcome;
      // A token that expired mid-session is renewed once and the request sent again, not counted
      // as an attempt (docs/crm.md).
      if (oauth && !renewed && oauth.isExpired(outcome.status, outcome.vendorCode)) {
        renewed = true;
        await this.#guard(oauth.refresh(auth));
        attempt--;
        continue;
      }
      const waitMs = this.#retryWait(outcome, req, attempt, attempts);
      if (waitMs === null) break;
      this.#count('retried');
      await sleep(waitMs, cancellation());
    }
    this.#breaker.failure();
    throw this.#fail(last);
  }

  #retryWait(
    err: CrmUnavailableError & { waitMs?: number },
    req: CrmRequest,
    attempt: number,
    attempts: number,
  ) {
    if (attempt >= attempts) return null;
    const backoff = Math.random() * (this.opts.baseBackoffMs ?? 100) * 2 ** (attempt - 1);
    if (err.kind === 'rate_limited') {
      const wait = Math.max(err.waitMs ?? 0, backoff);
      return wait <= (this.opts.maxWaitMs ?? 2000) ? wait : null;
    }
    const transient = err.kind === 'timeout' || err.kind === 'network' || err.kind === 'http_5xx';
    return transient && req.idempotent ? backoff : null;
  }

  /** A token request that failed fails the call as `crm_unavailable`, with the vendor's code logged. */
  async #guard<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      this.#breaker.failure();
      throw this.#fail(err instanceof CrmUnavailableError ? err : new CrmUnavailableError('auth'));
    }
  }

  #fail(err: CrmUnavailableError): CrmUnavailableError {
    const labels = { crm: this.opts.crm, site: this.#site };
    this.deps.metrics?.errors.inc({ ...labels, kind: err.kind, vendor_code: labelCode(err.vendorCode) });
    this.deps.log?.warn(
      { ...labels, kind: err.kind, vendorCode: err.vendorCode, status: err.status },
      'CRM request failed',
    );
    return err;
  }

  #count(outcome: string): void {
    this.deps.metrics?.requests.inc({ crm: this.opts.crm, site: this.#site, outcome });
  }

  async #once(req: CrmRequest, authorization: string): Promise<CrmResponse | CrmUnavailableError> {
    const base = this.opts.baseUrl.replace(/\/$/, '');
    const url = new URL(/^https?:/.test(req.path) ? req.path : `${base}${req.path}`);
    // A paging link from the vendor is followed only on the vendor's own origin.
    if (url.origin !== new URL(base).origin) return new CrmUnavailableError('malformed', 'foreign_link');
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      authorization,
      accept: 'application/json',
      ...req.headers,
    };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    throwIfCancelled();
    const cancel = cancellation();
    this.sent++;
    const started = performance.now();
    const timer = this.deps.metrics?.seconds.startTimer({ crm: this.opts.crm, site: this.#site });
    try {
      const res = await this.#fetch(url, {
        method: req.method,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        signal: cancel
          ? AbortSignal.any([AbortSignal.timeout(this.opts.timeoutMs), cancel])
          : AbortSignal.timeout(this.opts.timeoutMs),
      });
      const text = await res.text();
      return this.#interpret(res, text);
    } catch (err) {
      if (cancel?.aborted) throw new CrmCancelledError();
      const name = (err as { name?: string }).name;
      const timedOut = name === 'TimeoutError' || performance.now() - started >= this.opts.timeoutMs;
      return new CrmUnavailableError(timedOut ? 'timeout' : 'network');
    } finally {
      timer?.();
    }
  }

  #interpret(res: Response, text: string): CrmResponse | CrmUnavailableError {
    let body: unknown = null;
    let json = true;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        json = false;
        body = text.slice(0, 200);
      }
    }
    const code = json ? this.opts.rules.errorCode(body) : null;
    const wait = this.opts.rules.rateLimitWaitMs(res.status, res.headers, body);
    if (wait !== null) {
      this.#count('error');
      return Object.assign(new CrmUnavailableError('rate_limited', code, res.status), { waitMs: wait });
    }
    if (res.status >= 500) {
      this.#count('error');
      return new CrmUnavailableError('http_5xx', code, res.status);
    }
    if (res.status === 401 || res.status === 403) {
      this.#count('error');
      return new CrmUnavailableError('auth', code, res.status);
    }
    if (!json) {
      this.#count('error');
      return new CrmUnavailableError('malformed', 'not_json', res.status);
    }
    this.#count(res.ok ? 'ok' : 'error');
    return { status: res.status, headers: res.headers, body };
  }
}
