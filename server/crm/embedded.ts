import type { Kysely, Selectable } from 'kysely';
import type { Database, TicketsTable } from '../store/schema.js';
import type { CrmAdapter, Customer, Ticket, TicketComment, TicketStatus } from './adapter.js';

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

/** The default CRM: customers and tickets in Deputy's own SQLite database. */
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
    const rows = await q.orderBy('updated_at', 'desc').limit(opts.limit).execute();
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
    return rows.reverse().map((r) => ({
      id: r.id,
      ticketId: r.ticket_id,
      author: r.author,
      body: r.body,
      createdAt: r.created_at,
    }));
  }
}
