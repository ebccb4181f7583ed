import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fault the next matching request meets (docs/crm.md lists how each is answered). */
export type Fault =
  | 'rate_limit'
  | 'server_error'
  | 'slow'
  | 'malformed_json'
  | 'html'
  | 'missing_field'
  | 'wrong_id_type'
  | 'drop_after'
  | 'expired_token';

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw text instead of JSON (text/plain or HTML answers). */
  text?: string;
  contentType?: string;
}

export interface FakeRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type Handler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

/**
 * The loopback HTTP server under each vendor fake (127.0.0.1, port 0): routes, an auth check, added
 * latency, a count of requests, and faults queued by tests, each bounded in count.
 */
export abstract class FakeVendor {
  #server: Server | null = null;
  url = '';
  /** Requests received (each retry counts), for tests and the benchmark. */
  requests: { method: string; path: string }[] = [];
  /** Faults to apply, in order, to the next requests (optionally only to paths matching, and a method). */
  readonly faults: { fault: Fault; match?: RegExp; method?: string }[] = [];
  /** Seconds a `rate_limit` answer asks to wait in `Retry-After`; null: the header is left out. */
  retryAfter: number | null = null;
  /** Requests whose client went away before they were answered (a `slow` one it gave up on). */
  abandoned = 0;
  /** Milliseconds added to every answer (the benchmark's 20 ms). */
  latencyMs = 0;
  /** How long a `slow` answer takes. */
  slowMs = 3000;
  token = 'test-token';
  /** The OAuth client the token endpoint accepts, and the refresh token it honours now. */
  readonly oauth = {
    clientId: 'deputy-client-id',
    clientSecret: 'deputy-client-secret',
    refreshToken: 'rt-0',
  };
  /** Token requests answered (each renewal counts), for tests. */
  tokenRequests = 0;
  /** The vendor's token endpoint, or null where the fake has none. */
  protected readonly tokenPath: string | null = null;
  #minted = 0;

  protected abstract route(req: FakeRequest): FakeReply | Promise<FakeReply>;
  /** The vendor's own 401, 429 and 5xx answers. */
  protected abstract unauthorized(): FakeReply;
  protected abstract rateLimited(): FakeReply;
  protected abstract serverError(): FakeReply;
  /** The first property a missing-field fault removes, and the id a wrong-id-type fault replaces. */
  protected abstract mangle(body: unknown, fault: 'missing_field' | 'wrong_id_type'): unknown;
  /** The vendor's answer to a token request (only called on `tokenPath`). */
  protected tokenReply(_req: FakeRequest): FakeReply {
    return { status: 404, body: { error: 'not_found' } };
  }
  /** A new access token, which from now on is the only one accepted. */
  protected mint(prefix: string): string {
    this.token = `${prefix}-${++this.#minted}-${randomUUID()}`;
    return this.token;
  }
  /** Ends the current access token (as its lifetime or a revocation would): the next call meets a 401. */
  expireAccessToken(): void {
    this.token = `expired-${randomUUID()}`;
  }
  protected authorized(req: FakeRequest): boolean {
    return req.headers.authorization === `Bearer ${this.token}`;
  }

  inject(fault: Fault, times = 1, match?: RegExp, method?: string): void {
    for (let i = 0; i < times; i++)
      this.faults.push({ fault, ...(match ? { match } : {}), ...(method ? { method } : {}) });
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  #takeFault(path: string, method: string): Fault | null {
    const i = this.faults.findIndex(
      (f) => (!f.match || f.match.test(path)) && (!f.method || f.method === method),
    );
    if (i < 0) return null;
    const [taken] = this.faults.splice(i, 1);
    return taken?.fault ?? null;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname });
    let body: unknown = null;
    if (raw && String(req.headers['content-type']).includes('json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.#send(res, { status: 400, body: { error: 'bad json' } });
      }
    } else if (raw) body = raw;
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.tokenPath && url.pathname === this.tokenPath && req.method === 'POST') {
      this.tokenRequests++;
      return this.#send(res, this.tokenReply({ method: 'POST', url, headers: req.headers, body }));
    }
    const fault = this.#takeFault(url.pathname, req.method ?? 'GET');
    if (fault === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
    if (res.destroyed) {
      this.abandoned++;
      return;
    }
    const request = { method: req.method ?? 'GET', url, headers: req.headers, body };
    if (fault === 'expired_token' || !this.authorized(request)) return this.#send(res, this.unauthorized());
    if (fault === 'rate_limit') {
      const limited = this.rateLimited();
      if (this.retryAfter !== null)
        limited.headers = { ...limited.headers, 'retry-after': String(this.retryAfter) };
      return this.#send(res, limited);
    }
    if (fault === 'server_error') return this.#send(res, this.serverError());
    if (fault === 'html')
      return this.#send(res, {
        status: 200,
        text: '<html><body>Maintenance</body></html>',
        contentType: 'text/html',
      });
    if (fault === 'malformed_json')
      return this.#send(res, { status: 200, text: '{"results": [', contentType: 'application/json' });
    let reply: FakeReply;
    try {
      reply = await this.route(request);
    } catch (err) {
      reply = { status: 500, body: { error: String(err) } };
    }
    // The write happened; the answer is lost on the way (a retry must not write twice).
    if (fault === 'drop_after') {
      res.destroy();
      return;
    }
    if ((fault === 'missing_field' || fault === 'wrong_id_type') && reply.status < 300)
      reply = { ...reply, body: this.mangle(structuredClone(reply.body), fault) };
    this.#send(res, reply);
  }

  #send(res: ServerResponse, reply: FakeReply): void {
    const headers = { ...reply.headers };
    if (reply.text !== undefined) {
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain', ...headers });
      res.end(reply.text);
      return;
    }
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json;charset=utf-8', ...headers });
    res.end(JSON.stringify(reply.body));
  }
}

/** `/a/{x}/b` → a matcher returning the captured parts, or null. */
export function match(pattern: RegExp, path: string): string[] | null {
  const m = pattern.exec(path);
  return m ? m.slice(1).map((p) => decodeURIComponent(p ?? '')) : null;
}
