import { createHash } from 'node:crypto';
import { type FakeReply, type FakeRequest, FakeVendor, match } from './base.js';

interface ZdUser {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  role?: 'end-user' | 'agent' | 'admin';
}
interface ZdTicket {
  id: number;
  subject: string;
  description: string;
  status: string;
  priority: string | null;
  requester_id: number;
  created_at: string;
  updated_at: string;
  external_id: string | null;
  comments: { id: number; body: string; public: boolean; author_id: number; created_at: string }[];
}

const notFound: FakeReply = { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };

/**
 * A Zendesk Support look-alike on loopback (docs/crm.md): integer ids, envelopes, Basic email/token
 * and Bearer auth, `Idempotency-Key` with `x-idempotency-lookup` and `IdempotentRequestError`, cursor
 * paging (`meta.has_more`, `links.next`), `RecordNotFound`, 422 on a closed ticket, and a text/plain
 * 429 with `Retry-After`.
 */
export class FakeZendesk extends FakeVendor {
  readonly users = new Map<number, ZdUser>();
  readonly tickets = new Map<number, ZdTicket>();
  readonly #keys = new Map<string, { hash: string; id: number }>();
  #next = 9000;
  /** Tickets per page of the requested list (small, so paging is exercised). */
  pageSize = 100;
  agentEmail = 'agent@acme.test';

  addUser(
    id: number,
    name: string,
    email: string,
    phone: string | null,
    role: ZdUser['role'] = 'end-user',
  ): void {
    this.users.set(id, { id, name, email, phone, role });
  }

  addTicket(id: number, requester: number, subject: string, status: string, updatedAt: string): void {
    this.tickets.set(id, {
      id,
      subject,
      description: `About: ${subject}`,
      status,
      priority: 'normal',
      requester_id: requester,
      created_at: '2026-10-01T09:00:00Z',
      updated_at: updatedAt,
      external_id: null,
      comments: [
        {
          id: id * 10,
          body: `About: ${subject}`,
          public: true,
          author_id: requester,
          created_at: '2026-10-01T09:00:00Z',
        },
      ],
    });
  }

  protected override readonly tokenPath = '/oauth/tokens';
  /** Refresh tokens already spent: Zendesk deletes the old pair on every successful refresh. */
  readonly spentRefreshTokens = new Set<string>();
  #rotations = 0;

  /**
   * `POST /oauth/tokens` with a JSON body, `grant_type: refresh_token`: a new access token and a new
   * refresh token; the refresh token used is spent and refused from then on.
   */
  protected override tokenReply(req: FakeRequest): FakeReply {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const oauthError = (status: number, error: string, error_description: string): FakeReply => ({
      status,
      body: { error, error_description },
    });
    if (b.grant_type !== 'refresh_token')
      return oauthError(400, 'unsupported_grant_type', 'The authorization grant type is not supported');
    if (b.client_id !== this.oauth.clientId || b.client_secret !== this.oauth.clientSecret)
      return oauthError(401, 'invalid_client', 'Client authentication failed');
    if (b.refresh_token !== this.oauth.refreshToken)
      return oauthError(
        400,
        'invalid_grant',
        'The provided authorization grant is invalid, expired, revoked, or was issued to another client.',
      );
    this.spentRefreshTokens.add(this.oauth.refreshToken);
    this.oauth.refreshToken = `zd-rt-${++this.#rotations}`;
    return {
      status: 200,
      body: {
        access_token: this.mint('zd-at'),
        refresh_token: this.oauth.refreshToken,
        token_type: 'bearer',
        scope: 'tickets:read tickets:write users:read users:write',
        expires_in: 3600,
        refresh_token_expires_in: 2592000,
      },
    };
  }

  protected override authorized(req: FakeRequest): boolean {
    const basic = `Basic ${Buffer.from(`${this.agentEmail}/token:${this.token}`).toString('base64')}`;
    return req.headers.authorization === `Bearer ${this.token}` || req.headers.authorization === basic;
  }
  protected unauthorized(): FakeReply {
    return { status: 401, body: { error: "Couldn't authenticate you" } };
  }
  protected rateLimited(): FakeReply {
    return {
      status: 429,
      text: 'Number of allowed API requests per minute exceeded',
      headers: { 'retry-after': '0', 'x-rate-limit': '700', 'x-rate-limit-remaining': '0' },
    };
  }
  protected serverError(): FakeReply {
    return { status: 503, body: { error: 'ServiceUnavailable' } };
  }
  protected mangle(body: unknown, fault: 'missing_field' | 'wrong_id_type'): unknown {
    const b = body as Record<string, Record<string, unknown> | Record<string, unknown>[]>;
    const inner = b.ticket ?? b.user ?? (Array.isArray(b.tickets) ? b.tickets[0] : undefined);
    if (!inner || Array.isArray(inner)) return body;
    if (fault === 'missing_field') {
      delete inner.status;
      delete inner.name;
    } else inner.id = `zd-${String(inner.id)}`;
    return body;
  }

  #view(t: ZdTicket) {
    const { comments: _comments, ...rest } = t;
    return { ...rest, url: `${this.url}/api/v2/tickets/${t.id}.json`, via: { channel: 'api' }, tags: [] };
  }

  protected route(req: FakeRequest): FakeReply {
    const p = req.url.pathname;
    const body = (req.body ?? {}) as Record<string, Record<string, unknown>>;
    const rate = { 'x-rate-limit': '700', 'x-rate-limit-remaining': '699' };
    if (req.method === 'GET' && p === '/api/v2/users/search') {
      const q = req.url.searchParams.get('query') ?? '';
      const email = q.startsWith('email:') ? q.slice(6) : null;
      // Plain words match names and emails, as Zendesk's user search does.
      const words = q.toLowerCase();
      const users = [...this.users.values()].filter((u) =>
        email !== null ? u.email === email : `${u.name} ${u.email}`.toLowerCase().includes(words),
      );
      return {
        status: 200,
        body: { users, next_page: null, previous_page: null, count: users.length },
        headers: rate,
      };
    }
    let m = match(/^\/api\/v2\/users\/(\d+)$/, p);
    if (m) {
      const u = this.users.get(Number(m[0]));
      if (!u) return notFound;
      if (req.method === 'PUT') Object.assign(u, body.user ?? {});
      return { status: 200, body: { user: { ...u, role: 'end-user', active: true } }, headers: rate };
    }
    m = match(/^\/api\/v2\/users\/(\d+)\/tickets\/requested$/, p);
    if (m && req.method === 'GET') {
      const mine = [...this.tickets.values()]
        .filter((t) => t.requester_id === Number(m?.[0]))
        .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
      const size = Math.min(Number(req.url.searchParams.get('page[size]') ?? 100), this.pageSize);
      const after = Number(req.url.searchParams.get('page[after]') ?? 0);
      const page = mine.slice(after, after + size);
      const more = after + size < mine.length;
      const next = more ? `${this.url}${p}?page[size]=${size}&page[after]=${after + size}` : null;
      return {
        status: 200,
        body: {
          tickets: page.map((t) => this.#view(t)),
          meta: { has_more: more, after_cursor: more ? String(after + size) : null },
          links: { next },
        },
        headers: rate,
      };
    }
    m = match(/^\/api\/v2\/tickets\/(\d+)\/comments$/, p);
    if (m && req.method === 'GET') {
      const t = this.tickets.get(Number(m[0]));
      if (!t) return notFound;
      const list = [...t.comments];
      if (req.url.searchParams.get('sort_order') === 'desc') list.reverse();
      return { status: 200, body: { comments: list, meta: { has_more: false }, links: { next: null } } };
    }
    m = match(/^\/api\/v2\/tickets\/(\d+)$/, p);
    if (m) {
      const t = this.tickets.get(Number(m[0]));
      if (!t) return notFound;
      if (req.method === 'PUT') {
        if (t.status === 'closed')
          return {
            status: 422,
            body: {
              error: 'RecordInvalid',
              description: 'Record validation errors',
              details: { status: [{ description: 'Status: closed prevents ticket update' }] },
            },
          };
        const c = (body.ticket?.comment ?? null) as {
          body: string;
          public: boolean;
          author_id: number;
        } | null;
        const now = new Date().toISOString();
        if (c)
          t.comments.push({
            id: this.#next++,
            body: c.body,
            public: c.public,
            author_id: c.author_id,
            created_at: now,
          });
        const status = body.ticket?.status;
        if (typeof status === 'string') t.status = status;
        t.updated_at = now;
      }
      return { status: 200, body: { ticket: this.#view(t) } };
    }
    if (req.method === 'POST' && p === '/api/v2/tickets') return this.#create(req, body);
    return notFound;
  }

  #create(req: FakeRequest, body: Record<string, Record<string, unknown>>): FakeReply {
    const key = req.headers['idempotency-key'];
    const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    if (typeof key === 'string') {
      const seen = this.#keys.get(key);
      if (seen && seen.hash !== hash)
        return {
          status: 400,
          body: {
            error: 'IdempotentRequestError',
            description: "Request parameters don't match the given idempotency key",
          },
        };
      const existing = seen ? this.tickets.get(seen.id) : undefined;
      if (existing)
        return {
          status: 201,
          body: { ticket: this.#view(existing) },
          headers: { 'x-idempotency-lookup': 'hit' },
        };
    }
    const t = body.ticket ?? {};
    const comment = t.comment as { body?: string } | undefined;
    if (!t.subject || !comment?.body)
      return {
        status: 422,
        body: {
          error: 'RecordInvalid',
          description: 'Record validation errors',
          details: { base: [{ description: 'Subject and comment are required', error: 'InvalidValue' }] },
        },
      };
    let requester = Number(t.requester_id ?? 0);
    if (!requester) {
      const email = (t.requester as { email?: string } | undefined)?.email ?? '';
      const found = [...this.users.values()].find((u) => u.email === email);
      requester = found?.id ?? this.#next++;
      if (!found) this.addUser(requester, email, email, null);
    }
    const now = new Date().toISOString();
    const id = this.#next++;
    this.tickets.set(id, {
      id,
      subject: String(t.subject),
      description: comment.body,
      status: 'new',
      priority: (t.priority as string | undefined) ?? null,
      requester_id: requester,
      created_at: now,
      updated_at: now,
      external_id: (t.external_id as string | undefined) ?? null,
      comments: [
        { id: this.#next++, body: comment.body, public: true, author_id: requester, created_at: now },
      ],
    });
    if (typeof key === 'string') this.#keys.set(key, { hash, id });
    return {
      status: 201,
      body: { ticket: this.#view(this.tickets.get(id) as ZdTicket) },
      headers: { 'x-idempotency-lookup': 'miss' },
    };
  }
}
