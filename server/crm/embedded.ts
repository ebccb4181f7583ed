import { type Kysely, type Selectable, sql } from 'kysely';
import { HotLimitQuery, HotQuery } from '../store/hot.js';
import type { Database, TicketCommentsTable, TicketsTable } from '../store/schema.js';
import type {
  CommonStatus,
  CrmAdapter,
  Customer,
  NewComment,
  NewTicket,
  Ticket,
  TicketComment,
  TicketStatus,
} from './adapter.js';
import { siteTicketId } from './ticket-id.js';
import { nextTicketNumber } from './ticket-numbers.js';

const STATES: Record<TicketStatus, { state: CommonStatus; label: string }> = {
  open: { state: 'in_progress', label: 'Open' },
  pending: { state: 'waiting_on_customer', label: 'Waiting on you' },
  solved: { state: 'resolved', label: 'Solved' },
  closed: { state: 'closed', label: 'Closed' },
};

function toTicket(row: Selectable<TicketsTable>): Ticket {
  const { state, label } = STATES[row.status];
  return {
    id: row.id,
    customerId: row.customer_id,
    subject: row.subject,
    description: row.description,
    status: row.status,
    state,
    statusLabel: label,
    priority: row.priority,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A comment's columns beside its ticket's (EmbeddedCrm.getTicketWithComments), null without one. */
interface CommentColumns {
  c_id: number | null;
  c_author: 'customer' | 'agent';
  c_body: string;
  c_created_at: string;
  c_author_name: string | null;
}

function toComment(r: Selectable<TicketCommentsTable>): TicketComment {
  const c: TicketComment = {
    id: String(r.id),
    ticketId: r.ticket_id,
    author: r.author,
    body: r.body,
    createdAt: r.created_at,
  };
  if (r.author_name) c.authorName = r.author_name;
  return c;
}

/** `%` and `_` in a search are literal characters, not LIKE wildcards. */
function likePattern(query: string): string {
  return `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function since(windowMs: number): string {
  return new Date(Date.now() - windowMs).toISOString();
}

/**
 * The default CRM: customers and tickets in Deputy's own SQLite database, one instance per site, every
 * query scoped to that site (docs/threat-model.md S3: the same `sub` on two sites is two customers).
 * Every value reaches SQL as a bound parameter (Kysely, or a statement prepared once: store/hot.ts),
 * never spliced into the query text (F1).
 */
export class EmbeddedCrm implements CrmAdapter {
  readonly name = 'embedded';

  // get_ticket_status reads both on every call: SQL prepared once (store/hot.ts), still bound parameters.
  readonly #ticket: HotQuery<Selectable<TicketsTable>>;
  readonly #comments: HotLimitQuery<Selectable<TicketCommentsTable>>;
  readonly #ticketWithComments: HotLimitQuery<Selectable<TicketsTable> & CommentColumns>;

  constructor(
    private readonly db: Kysely<Database>,
    readonly siteId: string = 'demo',
  ) {
    this.#ticket = new HotQuery(db, 'SELECT * FROM "tickets" WHERE "site_id" = ? AND "id" = ?');
    this.#comments = new HotLimitQuery(
      db,
      'SELECT * FROM "ticket_comments" WHERE "site_id" = ? AND "ticket_id" = ? ORDER BY "id" DESC LIMIT ?',
    );
    // One round trip instead of two on PostgreSQL: a row per comment (newest first), or one row
    // with null comment columns; the ticket's columns repeat on each. The ticket is one row (its
    // primary key), so the LIMIT counts comments; a plain join, not a subquery SQLite would
    // materialise into a temporary table on every call. The limit is written into the SQL on
    // SQLite (HotLimitQuery), never a value from the caller's text.
    this.#ticketWithComments = new HotLimitQuery(
      db,
      `SELECT t.*, c."id" AS "c_id", c."author" AS "c_author", c."body" AS "c_body",
         c."created_at" AS "c_created_at", c."author_name" AS "c_author_name"
       FROM "tickets" t LEFT JOIN "ticket_comments" c ON c."site_id" = t."site_id" AND c."ticket_id" = t."id"
       WHERE t."site_id" = ? AND t."id" = ?
       ORDER BY c."id" DESC LIMIT ?`,
    );
  }

  async getCustomer(customerId: string): Promise<Customer | null> {
    const row = await this.db
      .selectFrom('customers')
      .select(['id', 'name', 'email', 'phone'])
      .where('site_id', '=', this.siteId)
      .where('id', '=', customerId)
      .executeTakeFirst();
    return row ?? null;
  }

  async findCustomerByEmail(email: string): Promise<Customer | null> {
    const rows = await this.db
      .selectFrom('customers')
      .select(['id', 'name', 'email', 'phone'])
      .where('site_id', '=', this.siteId)
      .where(sql`lower(email)`, '=', email.toLowerCase())
      .where('id', 'not like', 'anon:%')
      .limit(2)
      .execute();
    // Two records with one email: which one is the visitor is unknowable, so neither.
    return rows.length === 1 ? (rows[0] ?? null) : null;
  }

  async getTicket(raw: string): Promise<Ticket | null> {
    const ticketId = siteTicketId('embedded', raw);
    if (!ticketId) return null;
    const row = await this.#ticket.first([this.siteId, ticketId]);
    return row ? toTicket(row) : null;
  }

  async listTickets(customerId: string, opts: { status?: TicketStatus; limit: number }): Promise<Ticket[]> {
    let q = this.db
      .selectFrom('tickets')
      .selectAll()
      .where('site_id', '=', this.siteId)
      .where('customer_id', '=', customerId);
    if (opts.status) q = q.where('status', '=', opts.status);
    const rows = await q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
    return rows.map(toTicket);
  }

  async listComments(ticketId: string, limit: number): Promise<TicketComment[]> {
    const rows = await this.#comments.all([this.siteId, ticketId], limit);
    return rows.reverse().map(toComment);
  }

  async getTicketWithComments(
    raw: string,
    limit: number,
  ): Promise<{ ticket: Ticket; comments: TicketComment[] } | null> {
    const ticketId = siteTicketId('embedded', raw);
    if (!ticketId) return null;
    // The LIMIT also bounds the ticket's own row: at least one, so no comments still finds it.
    const rows = await this.#ticketWithComments.all([this.siteId, ticketId], Math.max(1, limit));
    const first = rows[0];
    if (!first) return null;
    const comments: TicketComment[] = [];
    for (const r of rows) {
      if (r.c_id === null || comments.length >= limit) continue;
      comments.push(
        toComment({
          id: r.c_id,
          site_id: r.site_id,
          ticket_id: r.id,
          author: r.c_author,
          body: r.c_body,
          created_at: r.c_created_at,
          author_name: r.c_author_name,
        }),
      );
    }
    const { c_id, c_author, c_body, c_created_at, c_author_name, ...ticket } = first;
    return { ticket: toTicket(ticket), comments: comments.reverse() };
  }

  async updatePhone(
    customerId: string,
    phone: string,
  ): Promise<{ customer: Customer; changed: boolean } | null> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('customers')
        .select(['id', 'name', 'email', 'phone'])
        .where('site_id', '=', this.siteId)
        .where('id', '=', customerId)
        .executeTakeFirst();
      if (!row) return null;
      if (row.phone === phone) return { customer: row, changed: false };
      await trx
        .updateTable('customers')
        .set({ phone, updated_at: new Date().toISOString() })
        .where('site_id', '=', this.siteId)
        .where('id', '=', customerId)
        .execute();
      return { customer: { ...row, phone }, changed: true };
    });
  }

  async findDuplicateTicket(t: NewTicket): Promise<Ticket | null> {
    return this.#duplicate(this.db, t);
  }

  async #duplicate(db: Kysely<Database>, t: NewTicket): Promise<Ticket | null> {
    if (!t.customerId) return null;
    const mine = db
      .selectFrom('tickets')
      .selectAll()
      .where('site_id', '=', this.siteId)
      .where('customer_id', '=', t.customerId);
    if (t.idempotencyKey) {
      const same = await mine.where('idempotency_key', '=', t.idempotencyKey).executeTakeFirst();
      if (same) return toTicket(same);
    }
    const recent = await mine
      .where('created_at', '>=', since(t.dedupeWindowMs))
      .where('subject', '=', t.subject)
      .where('description', '=', t.description)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return recent ? toTicket(recent) : null;
  }

  async createTicket(t: NewTicket): Promise<{ ticket: Ticket; created: boolean }> {
    // A visitor the CRM does not know gets a contact record for their email, so the ticket has an owner.
    if (!t.customerId && !t.contactEmail) throw new Error('a ticket needs a customer or a contact email');
    const customerId = t.customerId ?? `email:${(t.contactEmail ?? '').toLowerCase()}`;
    if (!t.customerId) await this.ensureGuest(customerId, t.contactEmail ?? '');
    return this.db.transaction().execute(async (trx) => {
      const duplicate = await this.#duplicate(trx, t);
      if (duplicate) return { ticket: duplicate, created: false };
      const now = new Date().toISOString();
      // A number an import already used is skipped (bounded: imports also move the counter on).
      for (let attempt = 0; attempt < 100; attempt++) {
        const row: Selectable<TicketsTable> = {
          site_id: this.siteId,
          id: `T-${await nextTicketNumber(trx, this.siteId)}`,
          customer_id: customerId,
          subject: t.subject,
          description: t.description,
          status: 'open',
          priority: t.priority,
          created_at: now,
          updated_at: now,
          idempotency_key: t.idempotencyKey ?? null,
          contact_email: t.contactEmail ?? null,
        };
        const res = await trx
          .insertInto('tickets')
          .values(row)
          .onConflict((oc) => oc.columns(['site_id', 'id']).doNothing())
          .executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 1) return { ticket: toTicket(row), created: true };
      }
      throw new Error(`no free ticket number for site ${this.siteId}`);
    });
  }

  async searchCustomers(query: string, limit: number): Promise<Customer[]> {
    const pattern = likePattern(query);
    return this.db
      .selectFrom('customers')
      .select(['id', 'name', 'email', 'phone'])
      .where('site_id', '=', this.siteId)
      .where('id', 'not like', 'anon:%')
      .where((eb) =>
        eb.or([
          eb(sql`lower(email)`, 'like', sql`${pattern} escape '\\'`),
          eb(sql`lower(name)`, 'like', sql`${pattern} escape '\\'`),
        ]),
      )
      .orderBy('name')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async setTicketStatus(
    ticketId: string,
    status: TicketStatus,
  ): Promise<{ ticket: Ticket; changed: boolean } | null> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('tickets')
        .selectAll()
        .where('site_id', '=', this.siteId)
        .where('id', '=', ticketId)
        .executeTakeFirst();
      if (!row) return null;
      if (row.status === status) return { ticket: toTicket(row), changed: false };
      const now = new Date().toISOString();
      await trx
        .updateTable('tickets')
        .set({ status, updated_at: now })
        .where('site_id', '=', this.siteId)
        .where('id', '=', ticketId)
        .execute();
      return { ticket: toTicket({ ...row, status, updated_at: now }), changed: true };
    });
  }

  async addComment(c: NewComment): Promise<{ comment: TicketComment; created: boolean }> {
    const author = c.staffAuthor ? 'agent' : 'customer';
    return this.db.transaction().execute(async (trx) => {
      const recent = await trx
        .selectFrom('ticket_comments')
        .selectAll()
        .where('site_id', '=', this.siteId)
        .where('ticket_id', '=', c.ticketId)
        .where('author', '=', author)
        .where('body', '=', c.body)
        .where('created_at', '>=', since(c.dedupeWindowMs))
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (recent) return { comment: toComment(recent), created: false };
      const now = new Date().toISOString();
      const inserted = await trx
        .insertInto('ticket_comments')
        .values({
          site_id: this.siteId,
          ticket_id: c.ticketId,
          author,
          body: c.body,
          created_at: now,
          author_name: c.staffAuthor?.name.slice(0, 80) ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('tickets')
        .set({ updated_at: now })
        .where('site_id', '=', this.siteId)
        .where('id', '=', c.ticketId)
        .execute();
      return { comment: toComment(inserted), created: true };
    });
  }

  async ensureGuest(guestId: string, email: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('customers')
      .values({
        site_id: this.siteId,
        id: guestId,
        name: 'Guest',
        email,
        phone: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['site_id', 'id']).doNothing())
      .execute();
  }
}
