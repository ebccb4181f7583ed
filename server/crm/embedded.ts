import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, TicketCommentsTable, TicketsTable } from '../store/schema.js';
import type {
  CrmAdapter,
  Customer,
  NewComment,
  NewTicket,
  Ticket,
  TicketComment,
  TicketStatus,
} from './adapter.js';

/** New tickets are numbered above the demo range so a demo id never changes meaning. */
const FIRST_NEW_TICKET = 3001;

function toTicket(row: Selectable<TicketsTable>): Ticket {
  return {
    id: row.id,
    customerId: row.customer_id,
    subject: row.subject,
    description: row.description,
    status: row.status,
    priority: row.priority,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toComment(r: Selectable<TicketCommentsTable>): TicketComment {
  return { id: r.id, ticketId: r.ticket_id, author: r.author, body: r.body, createdAt: r.created_at };
}

function since(windowMs: number): string {
  return new Date(Date.now() - windowMs).toISOString();
}

async function duplicateTicket(db: Kysely<Database>, t: NewTicket): Promise<Ticket | null> {
  if (t.idempotencyKey) {
    const same = await db
      .selectFrom('tickets')
      .selectAll()
      .where('customer_id', '=', t.customerId)
      .where('idempotency_key', '=', t.idempotencyKey)
      .executeTakeFirst();
    if (same) return toTicket(same);
  }
  const recent = await db
    .selectFrom('tickets')
    .selectAll()
    .where('customer_id', '=', t.customerId)
    .where('created_at', '>=', since(t.dedupeWindowMs))
    .where('subject', '=', t.subject)
    .where('description', '=', t.description)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return recent ? toTicket(recent) : null;
}

/**
 * The default CRM: customers and tickets in Deputy's own SQLite database. Every value reaches SQL as a
 * bound parameter (Kysely), never spliced into the query text (F1).
 */
export class EmbeddedCrm implements CrmAdapter {
  readonly name = 'embedded';

  constructor(private readonly db: Kysely<Database>) {}

  async getCustomer(customerId: string): Promise<Customer | null> {
    const row = await this.db
      .selectFrom('customers')
      .select(['id', 'name', 'email', 'phone'])
      .where('id', '=', customerId)
      .executeTakeFirst();
    return row ?? null;
  }

  async getTicket(ticketId: string): Promise<Ticket | null> {
    const row = await this.db.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirst();
    return row ? toTicket(row) : null;
  }

  async listTickets(customerId: string, opts: { status?: TicketStatus; limit: number }): Promise<Ticket[]> {
    let q = this.db.selectFrom('tickets').selectAll().where('customer_id', '=', customerId);
    if (opts.status) q = q.where('status', '=', opts.status);
    const rows = await q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
    return rows.map(toTicket);
  }

  async listComments(ticketId: string, limit: number): Promise<TicketComment[]> {
    const rows = await this.db
      .selectFrom('ticket_comments')
      .selectAll()
      .where('ticket_id', '=', ticketId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map(toComment);
  }

  async updatePhone(
    customerId: string,
    phone: string,
  ): Promise<{ customer: Customer; changed: boolean } | null> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('customers')
        .select(['id', 'name', 'email', 'phone'])
        .where('id', '=', customerId)
        .executeTakeFirst();
      if (!row) return null;
      if (row.phone === phone) return { customer: row, changed: false };
      await trx
        .updateTable('customers')
        .set({ phone, updated_at: new Date().toISOString() })
        .where('id', '=', customerId)
        .execute();
      return { customer: { ...row, phone }, changed: true };
    });
  }

  async findDuplicateTicket(t: NewTicket): Promise<Ticket | null> {
    return duplicateTicket(this.db, t);
  }

  async createTicket(t: NewTicket): Promise<{ ticket: Ticket; created: boolean }> {
    return this.db.transaction().execute(async (trx) => {
      const duplicate = await duplicateTicket(trx, t);
      if (duplicate) return { ticket: duplicate, created: false };
      const max = await trx
        .selectFrom('tickets')
        .select(sql<number | null>`max(cast(substr(id, 3) as integer))`.as('n'))
        .executeTakeFirst();
      const id = `T-${Math.max((max?.n ?? 0) + 1, FIRST_NEW_TICKET)}`;
      const now = new Date().toISOString();
      const row: Selectable<TicketsTable> = {
        id,
        customer_id: t.customerId,
        subject: t.subject,
        description: t.description,
        status: 'open',
        priority: t.priority,
        created_at: now,
        updated_at: now,
        idempotency_key: t.idempotencyKey ?? null,
        contact_email: t.contactEmail ?? null,
      };
      await trx.insertInto('tickets').values(row).execute();
      return { ticket: toTicket(row), created: true };
    });
  }

  async addComment(c: NewComment): Promise<{ comment: TicketComment; created: boolean }> {
    return this.db.transaction().execute(async (trx) => {
      const recent = await trx
        .selectFrom('ticket_comments')
        .selectAll()
        .where('ticket_id', '=', c.ticketId)
        .where('author', '=', 'customer')
        .where('body', '=', c.body)
        .where('created_at', '>=', since(c.dedupeWindowMs))
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (recent) return { comment: toComment(recent), created: false };
      const now = new Date().toISOString();
      const inserted = await trx
        .insertInto('ticket_comments')
        .values({ ticket_id: c.ticketId, author: 'customer', body: c.body, created_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx.updateTable('tickets').set({ updated_at: now }).where('id', '=', c.ticketId).execute();
      return { comment: toComment(inserted), created: true };
    });
  }

  async ensureGuest(guestId: string, email: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('customers')
      .values({ id: guestId, name: 'Guest', email, phone: null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}
