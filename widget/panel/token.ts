import type { WidgetConfig } from '../types.js';

export interface Claims {
  sub?: string;
  exp?: number;
  name?: string;
}

/**
 * Reads a JWT's payload WITHOUT verifying it: the widget only needs `sub` (to key stored history) and
 * `exp` (to refresh in time). The server verifies the signature.
 */
export function decodeClaims(token: string | null): Claims | null {
  const part = token?.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '=')), (c) =>
      c.charCodeAt(0),
    );
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? (claims as Claims) : null;
  } catch {
    return null;
  }
}

/** The storage identity of a token: its `sub`, or 'anon' for guests. */
export function subjectOf(token: string | null): string {
  const sub = decodeClaims(token)?.sub;
  return typeof sub === 'string' && sub ? sub : 'anon';
}

const REFRESH_BEFORE_MS = 60_000;

/**
 * Supplies the visitor token: the static data-visitor-token, or one fetched from data-token-url with
 * the host site's cookies and refreshed about a minute before it expires. `onRefresh` is called with
 * each newer token so the connection can re-introduce itself.
 */
export class TokenSource {
  private token: string | null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<string | null> | null = null;
  private stopped = false;

  constructor(
    private config: Pick<WidgetConfig, 'token' | 'tokenUrl'>,
    private onRefresh: (token: string | null) => void,
  ) {
    this.token = config.token;
  }

  /** The current token, fetching one first when a token URL is configured and none is held yet. */
  get(): Promise<string | null> {
    if (this.token || !this.config.tokenUrl) return Promise.resolve(this.token);
    return this.fetch();
  }

  /** Switches to a token given by Deputy.identify(); the token URL is no longer used. */
  set(token: string | null): void {
    this.config = { token, tokenUrl: null };
    this.token = token;
    clearTimeout(this.timer);
  }

  /** Forces a new token from the URL (e.g. after the server said it expired). */
  fetch(): Promise<string | null> {
    const url = this.config.tokenUrl;
    if (!url) return Promise.resolve(this.token);
    this.inflight ??= fetch(url, { credentials: 'include', headers: { accept: 'application/json' } })
      .then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body = (await res.text()).trim();
        const token = body.startsWith('{') ? (JSON.parse(body) as { token?: unknown }).token : body;
        if (typeof token !== 'string' || !token) throw new Error('no token in the response');
        return token;
      })
      .then(
        (token) => {
          this.inflight = null;
          const changed = token !== this.token;
          this.token = token;
          this.schedule();
          if (changed) this.onRefresh(token);
          return token;
        },
        (err: unknown) => {
          this.inflight = null;
          console.error(
            `[Deputy] data-token-url ${url} did not return a token; it must answer {"token":"…"}.`,
            err,
          );
          this.schedule(30_000);
          return this.token;
        },
      );
    return this.inflight;
  }

  private schedule(retryMs?: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const exp = decodeClaims(this.token)?.exp;
    const due = retryMs ?? (typeof exp === 'number' ? exp * 1000 - REFRESH_BEFORE_MS - Date.now() : null);
    if (due === null) return;
    // Capped: a delay past 2^31-1 ms fires at once, which would refetch in a loop.
    this.timer = setTimeout(() => void this.fetch(), Math.min(2 ** 31 - 1, Math.max(5_000, due)));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
