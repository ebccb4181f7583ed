import type { Session } from '../shared/console-protocol.js';

/**
 * Where the console is served, as the browser sees it: `/console`, or `/deputy/console` when Deputy
 * is behind a proxy under a path prefix. Its API and socket live beside it.
 */
export const CONSOLE_BASE = `${location.pathname.replace(/\/console(\/.*)?$/, '').replace(/\/+$/, '')}/console`;

/** A coded refusal from the console API (docs/console.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * The console's HTTP client: same-origin, the session cookie sent by the browser, and the CSRF
 * token on every state-changing request (docs/threat-model.md C1).
 */
export class Api {
  csrf = '';

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (method === 'POST') headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${CONSOLE_BASE}/api${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok)
      throw new ApiError(
        res.status,
        String(json.code ?? 'error'),
        String(json.message ?? res.statusText),
        json,
      );
    return json as T;
  }

  async me(): Promise<Session | null> {
    try {
      const s = await this.call<Session>('GET', '/me');
      this.csrf = s.csrf;
      return s;
    } catch {
      return null;
    }
  }

  async signIn(email: string, password: string): Promise<Session> {
    const s = await this.call<Session>('POST', '/sign-in', { email, password });
    this.csrf = s.csrf;
    return s;
  }
}
