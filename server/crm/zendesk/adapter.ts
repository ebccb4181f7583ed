import { createHash } from 'node:crypto';
import type {
  CommonStatus,
  CrmAdapter,
  Customer,
  NewComment,
  NewTicket,
  Ticket,
  TicketComment,
  TicketPriority,
  TicketStatus,
} from '../adapter.js';
import type { CrmConfig } from '../config.js';
import { CrmUnavailableError } from '../errors.js';
import { CrmHttp, type CrmHttpDeps } from '../http/client.js';
import { clip, derivedKey, parseAs } from '../parse.js';
import { coarseStatus, mapStatus, statesOf } from '../status.js';
import { NUMERIC_TICKET_ID, siteTicketId } from '../ticket-id.js';
import {
  ZdComments,
  type ZdTicket,
  ZdTicketEnvelope,
  ZdTicketPage,
  type ZdUser,
  ZdUserEnvelope,
  ZdUsers,
  zendeskRules,
} from './wire.js';

type ZendeskConfig = Extract<CrmConfig, { type: 'zendesk' }> & { token: string; email?: string };

const DEFAULTS: Record<string, CommonStatus> = {
  new: 'new',
  open: 'in_progress',
  hold: 'in_progress',
  pending: 'waiting_on_customer',
  solved: 'resolved',
  closed: 'closed',
};
const LABELS: Record<string, string> = {
  new: 'New',
  open: 'Open',
  hold: 'On hold',
  pending: 'Awaiting your reply',
  solved: 'Solved',
  closed: 'Closed',
};
const PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];

/**
 * Zendesk Support (docs/crm.md): users are customers, a ticket is yours if you are its requester,
 * comments are added by the requester and public. Creates carry an `Idempotency-Key`, so a retried
 * create returns the ticket it made.
 */
export class ZendeskCrm implements CrmAdapter {
  readonly name = 'zendesk';
  readonly http: CrmHttp;

  constructor(
    private readonly cfg: ZendeskConfig,
    deps: CrmHttpDeps,
  ) {
    const auth = cfg.email
      ? `Basic ${Buffer.from(`${cfg.email}/token:${cfg.token}`).toString('base64')}`
      : `Bearer ${cfg.token}`;
    this.http = new CrmHttp(
      {
        crm: 'zendesk',
        baseUrl: cfg.baseUrl,
        authorization: () => auth,
        timeoutMs: cfg.timeoutMs,
        maxConcurrency: cfg.maxConcurrency,
        rules: zendeskRules,
      },
      deps,
    );
  }

  async getCustomer(customerId: string): Promise<Customer | null> {
    if (!NUMERIC_TICKET_ID.test(customerId)) return null;
    const res = await this.http.request({
      method: 'GET',
      path: `/api/v2/users/${customerId}`,
      idempotent: true,
    });
    if (res.status === 404) return null;
    return toCustomer(parseAs(ZdUserEnvelope, this.#ok(res), 'user').user);
  }

  async findCustomerByEmail(email: string): Promise<Customer | null> {
    const res = await this.http.request({
      method: 'GET',
      path: '/api/v2/users/search',
      query: { query: `email:${email}` },
      idempotent: true,
    });
    const users = parseAs(ZdUsers, this.#ok(res), 'user search').users;
    return users.length === 1 && users[0] ? toCustomer(users[0]) : null;
  }

  async getTicket(raw: string): Promise<Ticket | null> {
    const ticketId = siteTicketId('zendesk', raw);
    if (!ticketId) return null;
    const res = await this.http.request({
      method: 'GET',
      path: `/api/v2/tickets/${ticketId}`,
      idempotent: true,
    });
    if (res.status === 404) return null;
    return this.#toTicket(parseAs(ZdTicketEnvelope, this.#ok(res), 'ticket').ticket);
  }

  async listTickets(customerId: string, opts: { status?: TicketStatus; limit: number }): Promise<Ticket[]> {
    if (!NUMERIC_TICKET_ID.test(customerId)) return [];
    const wanted = opts.status ? statesOf(opts.status) : null;
    const out: Ticket[] = [];
    // The requested-tickets endpoint has no status filter: filter here, at most two pages.
    let path: string | null = `/api/v2/users/${customerId}/tickets/requested`;
    let query: Record<string, string> | undefined = {
      'page[size]': '100',
      sort_by: 'updated_at',
      sort_order: 'desc',
    };
    for (let page = 0; page < 2 && path && out.length < opts.limit; page++) {
      const res = await this.http.request({
        method: 'GET',
        path,
        ...(query ? { query } : {}),
        idempotent: true,
      });
      const body = parseAs(ZdTicketPage, this.#ok(res), 'ticket list');
      for (const t of body.tickets) {
        const ticket = this.#toTicket(t);
        if (ticket.customerId === customerId && (!wanted || wanted.includes(ticket.state))) out.push(ticket);
      }
      path = body.meta?.has_more ? (body.links?.next ?? null) : null;
      query = undefined;
    }
    return out.slice(0, opts.limit);
  }

  async listComments(ticketId: string, limit: number): Promise<TicketComment[]> {
    const res = await this.http.request({
      method: 'GET',
      path: `/api/v2/tickets/${ticketId}/comments`,
      query: { sort_order: 'desc', 'page[size]': String(Math.min(limit * 3, 100)) },
      idempotent: true,
    });
    if (res.status === 404) return [];
    const comments = parseAs(ZdComments, this.#ok(res), 'comments').comments;
    // Internal notes (public: false) are the team's, never the customer's to read.
    return comments
      .filter((c) => c.public)
      .slice(0, limit)
      .reverse()
      .map((c) => ({
        id: String(c.id),
        ticketId,
        author: 'agent' as const,
        body: clip(c.body),
        createdAt: c.created_at,
      }));
  }

  async updatePhone(
    customerId: string,
    phone: string,
  ): Promise<{ customer: Customer; changed: boolean } | null> {
    const customer = await this.getCustomer(customerId);
    if (!customer) return null;
    if (customer.phone === phone) return { customer, changed: false };
    const res = await this.http.request({
      method: 'PUT',
      path: `/api/v2/users/${customerId}`,
      body: { user: { phone } },
      idempotent: true,
    });
    if (res.status === 404) return null;
    return { customer: toCustomer(parseAs(ZdUserEnvelope, this.#ok(res), 'user').user), changed: true };
  }

  async findDuplicateTicket(): Promise<Ticket | null> {
    return null;
  }

  async createTicket(t: NewTicket): Promise<{ ticket: Ticket; created: boolean }> {
    const requester = t.customerId && !t.customerId.startsWith('anon:') ? Number(t.customerId) : null;
    const key =
      t.idempotencyKey ??
      derivedKey([t.customerId ?? t.contactEmail ?? null, t.subject, t.description], t.dedupeWindowMs, sha);
    const res = await this.http.request({
      method: 'POST',
      path: '/api/v2/tickets',
      headers: { 'idempotency-key': key },
      body: {
        ticket: {
          subject: t.subject,
          comment: { body: t.description, public: true },
          ...(requester
            ? { requester_id: requester }
            : { requester: { email: t.contactEmail, name: t.contactEmail } }),
          priority: t.priority,
          external_id: `deputy-${key}`,
        },
      },
      // The key makes the create safe to repeat: Zendesk answers a repeat with the first ticket.
      idempotent: true,
    });
    const ticket = this.#toTicket(parseAs(ZdTicketEnvelope, this.#ok(res), 'ticket').ticket);
    return { ticket, created: res.headers.get('x-idempotency-lookup') !== 'hit' };
  }

  async addComment(c: NewComment): Promise<{ comment: TicketComment; created: boolean }> {
    // A staff reply is the operator's: authored by their Zendesk agent (found by email), else by the
    // API user. Never by the customer, as the requester is for a visitor's own comment.
    const agent = c.staffAuthor ? await this.#agent(c.staffAuthor.email) : null;
    const author = c.staffAuthor
      ? agent
        ? { author_id: agent.id }
        : {}
      : { author_id: Number(c.customerId) };
    const res = await this.http.request({
      method: 'PUT',
      path: `/api/v2/tickets/${c.ticketId}`,
      body: { ticket: { comment: { body: c.body, public: true, ...author } } },
      idempotent: false,
    });
    const ticket = parseAs(ZdTicketEnvelope, this.#ok(res), 'ticket').ticket;
    const comment: TicketComment = {
      id: `${ticket.id}:${Date.parse(ticket.updated_at)}`,
      ticketId: c.ticketId,
      author: c.staffAuthor ? 'agent' : 'customer',
      body: c.body,
      createdAt: ticket.updated_at,
    };
    if (agent) comment.authorName = agent.name;
    return { comment, created: true };
  }

  /**
   * Staff status change (docs/staff-mcp.md): Deputy's four statuses are Zendesk's own names. A
   * closed ticket takes no update (Zendesk answers 422), reported as the CRM refusing.
   */
  async setTicketStatus(
    ticketId: string,
    status: TicketStatus,
  ): Promise<{ ticket: Ticket; changed: boolean } | null> {
    const before = await this.getTicket(ticketId);
    if (!before) return null;
    if (before.status === status) return { ticket: before, changed: false };
    const res = await this.http.request({
      method: 'PUT',
      path: `/api/v2/tickets/${before.id}`,
      body: { ticket: { status } },
      idempotent: true,
    });
    if (res.status === 404) return null;
    return {
      ticket: this.#toTicket(parseAs(ZdTicketEnvelope, this.#ok(res), 'ticket').ticket),
      changed: true,
    };
  }

  /** Staff search (docs/staff-mcp.md): Zendesk's user search, end users only. */
  async searchCustomers(query: string, limit: number): Promise<Customer[]> {
    // Search syntax (`role:`, `organization:`) is not the operator's to inject: words only.
    const words = query.replace(/[^\p{L}\p{N}@._+ -]/gu, ' ').trim();
    if (!words) return [];
    const res = await this.http.request({
      method: 'GET',
      path: '/api/v2/users/search',
      query: { query: words },
      idempotent: true,
    });
    return parseAs(ZdUsers, this.#ok(res), 'user search')
      .users.filter((u) => (u.role ?? 'end-user') === 'end-user')
      .slice(0, limit)
      .map(toCustomer);
  }

  /** The agent or admin with this email, if Zendesk has exactly one. */
  async #agent(email: string): Promise<typeof ZdUser._output | null> {
    const res = await this.http.request({
      method: 'GET',
      path: '/api/v2/users/search',
      query: { query: `email:${email}` },
      idempotent: true,
    });
    const staff = parseAs(ZdUsers, this.#ok(res), 'user search').users.filter(
      (u) => u.role === 'agent' || u.role === 'admin',
    );
    return staff.length === 1 ? (staff[0] ?? null) : null;
  }

  /** Zendesk makes the requester from the email on create: nothing to do beforehand. */
  async ensureGuest(): Promise<void> {}

  #ok(res: { status: number; body: unknown }): unknown {
    if (res.status >= 200 && res.status < 300) return res.body;
    throw new CrmUnavailableError('http_4xx', zendeskRules.errorCode(res.body), res.status);
  }

  #toTicket(t: ZdTicket): Ticket {
    const state = mapStatus(
      t.status,
      LABELS[t.status] ?? t.status,
      this.cfg.statusMap,
      DEFAULTS,
      'in_progress',
    );
    const priority = PRIORITIES.find((p) => p === t.priority) ?? 'normal';
    return {
      id: String(t.id),
      customerId: t.requester_id === null ? null : String(t.requester_id),
      subject: clip(t.subject, 500),
      description: clip(t.description),
      state,
      status: coarseStatus(state),
      statusLabel: LABELS[t.status] ?? t.status,
      priority,
      createdAt: t.created_at,
      updatedAt: t.updated_at,
    };
  }
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 40);
}

function toCustomer(u: typeof ZdUser._output): Customer {
  return { id: String(u.id), name: clip(u.name, 200), email: u.email ?? '', phone: u.phone || null };
}
