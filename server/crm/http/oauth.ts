import { z } from 'zod';
import type { OAuthSecrets } from '../config.js';
import { CrmUnavailableError } from '../errors.js';
import type { RefreshTokenStore } from './refresh-store.js';

/**
 * Both vendors' token answers (docs/crm.md): Salesforce `{access_token, instance_url, token_type,
 * issued_at, signature}` (a `refresh_token` only when the connected app rotates them), Zendesk
 * `{access_token, refresh_token, token_type, scope, expires_in, refresh_token_expires_in}`.
 */
const TokenAnswer = z.looseObject({
  access_token: z.string().min(1).max(4096),
  refresh_token: z.string().min(1).max(4096).optional(),
  expires_in: z.number().positive().optional(),
});
/**
 * An OAuth error `{error, error_description}`: only `error`, and only when it is a short code, is kept
 * for logs and metrics (an arbitrary string there is vendor text, not a code).
 */
const TokenError = z.looseObject({ error: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) });

/** Renew this long before a stated expiry, so a request in flight does not meet it. */
const EARLY_MS = 60_000;

export interface OAuthDeps {
  fetch?: typeof fetch;
  timeoutMs: number;
  /** Where a rotated refresh token is kept (required for Zendesk, which rotates on every use). */
  store?: RefreshTokenStore;
  /** Counts each token request by outcome (ok, error) for `/metrics`. */
  count?: (outcome: string) => void;
  log?: { warn(obj: object, msg: string): void };
  now?: () => number;
}

/**
 * One site's OAuth access token (docs/crm.md): fetched on first use, renewed before a stated expiry
 * or when the CRM refuses it, with concurrent renewals sharing one token request. Tokens never reach
 * a log: a failed token request becomes `CrmUnavailableError('auth')` carrying only the vendor's
 * `error` code.
 */
export class OAuthSession {
  #access: string | null = null;
  #expiresAt = Number.POSITIVE_INFINITY;
  #pending: Promise<string> | null = null;
  #refreshToken: string | null = null;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  /** Token requests sent, for tests. */
  tokenRequests = 0;

  constructor(
    private readonly crm: 'salesforce' | 'zendesk',
    private readonly secrets: OAuthSecrets,
    private readonly deps: OAuthDeps,
  ) {
    this.#fetch = deps.fetch ?? fetch;
    this.#now = deps.now ?? Date.now;
  }

  /** The Authorization header for the next request, fetching a token first when there is none. */
  async authorization(): Promise<string> {
    if (this.#access && this.#now() < this.#expiresAt) return `Bearer ${this.#access}`;
    return `Bearer ${await this.#renew()}`;
  }

  /** Whether a refusal means the access token is spent: Salesforce `INVALID_SESSION_ID`, any Zendesk 401. */
  isExpired(status: number | null, vendorCode: string | null): boolean {
    if (status !== 401) return false;
    return this.crm === 'zendesk' || vendorCode === 'INVALID_SESSION_ID';
  }

  /**
   * Replaces the access token the CRM refused (`staleHeader`). A caller whose token was already
   * replaced by another caller's renewal returns at once; callers during a renewal join it.
   */
  async refresh(staleHeader: string): Promise<void> {
    if (this.#access && `Bearer ${this.#access}` !== staleHeader) return;
    await this.#renew();
  }

  #renew(): Promise<string> {
    this.#pending ??= this.#request().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #currentRefreshToken(): Promise<string | undefined> {
    const seed = this.secrets.refreshToken;
    if (!seed) return undefined;
    this.#refreshToken ??= (await this.deps.store?.load(seed)) ?? seed;
    return this.#refreshToken;
  }

  #body(refreshToken: string | undefined): { type: string; body: string } {
    const fields: Record<string, string> = {
      grant_type: this.secrets.grant,
      client_id: this.secrets.clientId,
      client_secret: this.secrets.clientSecret,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
    // Salesforce takes a form; Zendesk's /oauth/tokens takes JSON.
    return this.crm === 'salesforce'
      ? { type: 'application/x-www-form-urlencoded', body: new URLSearchParams(fields).toString() }
      : { type: 'application/json', body: JSON.stringify(fields) };
  }

  async #request(): Promise<string> {
    const refreshToken = await this.#currentRefreshToken();
    const { type, body } = this.#body(refreshToken);
    this.tokenRequests++;
    let res: Response;
    let text: string;
    const started = this.#now();
    try {
      res = await this.#fetch(this.secrets.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': type, accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      this.deps.count?.('token_error');
      const timedOut =
        (err as { name?: string }).name === 'TimeoutError' || this.#now() - started >= this.deps.timeoutMs;
      throw new CrmUnavailableError(timedOut ? 'timeout' : 'network', 'token_endpoint');
    }
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      this.deps.count?.('token_error');
      const code = TokenError.safeParse(json).data?.error ?? `token_http_${res.status}`;
      throw new CrmUnavailableError('auth', code, res.status);
    }
    const answer = TokenAnswer.safeParse(json);
    if (!answer.success) {
      this.deps.count?.('token_error');
      throw new CrmUnavailableError('malformed', 'token_answer', res.status);
    }
    this.deps.count?.('token_ok');
    const { access_token, refresh_token, expires_in } = answer.data;
    if (refresh_token && refresh_token !== refreshToken) await this.#keep(refresh_token);
    this.#access = access_token;
    this.#expiresAt = expires_in
      ? this.#now() + Math.max(expires_in * 1000 - EARLY_MS, expires_in * 500)
      : Number.POSITIVE_INFINITY;
    return access_token;
  }

  /** The vendor spent the old refresh token: the new one is the only one that works from now on. */
  async #keep(refreshToken: string): Promise<void> {
    this.#refreshToken = refreshToken;
    const seed = this.secrets.refreshToken;
    if (!seed || !this.deps.store) return;
    try {
      await this.deps.store.save(seed, refreshToken);
    } catch (err) {
      // Still usable in memory; after a restart the operator has to authorise again.
      this.deps.log?.warn(
        { crm: this.crm, err: (err as Error).name },
        'Could not store the rotated CRM refresh token',
      );
    }
  }
}
