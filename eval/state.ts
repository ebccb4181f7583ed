import { createHash } from 'node:crypto';
import type SQLite from 'better-sqlite3';
import {
  COMMENTS,
  CUSTOMERS,
  type FixtureComment,
  type FixtureCustomer,
  type FixtureTicket,
  TICKETS,
} from './fixture.js';

/** A change a task expects the agent to make (through the visitor's confirmation). */
export type ExpectedChange =
  | { phone: { customer: string; phone: string } }
  | { ticket: { customer: string; subject: string; description: string; contact_email?: string } }
  | { comment: { ticket_id: string; body: string } };

interface CrmState {
  customers: FixtureCustomer[];
  tickets: FixtureTicket[];
  comments: FixtureComment[];
}

const FIXTURE_TICKETS = new Set(TICKETS.map((t) => t.id));

/**
 * The canonical form of the CRM: timestamps and generated ids left out (new tickets are `T-new`,
 * guests `anon:*`), rows sorted. Two databases that hold the same facts hash the same.
 */
function canonical(state: CrmState): string {
  const cust = (id: string) => (id.startsWith('anon:') ? 'anon:*' : id);
  const ticketId = (id: string) => (FIXTURE_TICKETS.has(id) ? id : 'T-new');
  const customers = state.customers.map((c) => [cust(c.id), c.name, c.email, c.phone]);
  const tickets = state.tickets.map((t) => [
    ticketId(t.id),
    cust(t.customer_id),
    t.subject,
    t.description,
    t.status,
    t.priority,
    t.contact_email ?? null,
  ]);
  const comments = state.comments.map((c) => [ticketId(c.ticket_id), c.author, c.body]);
  const sort = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
  return JSON.stringify({ customers: sort(customers), tickets: sort(tickets), comments: sort(comments) });
}

export function hashState(state: CrmState): string {
  return createHash('sha256').update(canonical(state)).digest('hex');
}

/** The hash of what the database actually holds. */
export function hashDatabase(sqlite: SQLite.Database): string {
  return hashState({
    customers: sqlite.prepare('select id, name, email, phone from customers').all() as FixtureCustomer[],
    tickets: sqlite
      .prepare('select id, customer_id, subject, description, status, priority, contact_email from tickets')
      .all() as FixtureTicket[],
    comments: sqlite.prepare('select ticket_id, author, body from ticket_comments').all() as FixtureComment[],
  });
}

/** The hash the database must have after a task: the fixture with the expected changes applied. */
export function expectedHash(changes: readonly ExpectedChange[]): string {
  const state: CrmState = {
    customers: CUSTOMERS.map((c) => ({ ...c })),
    tickets: TICKETS.map((t) => ({ ...t })),
    comments: COMMENTS.map((c) => ({ ...c })),
  };
  let n = 0;
  for (const change of changes) {
    if ('phone' in change) {
      const c = state.customers.find((x) => x.id === change.phone.customer);
      if (c) c.phone = change.phone.phone;
    } else if ('ticket' in change) {
      const { customer, subject, description, contact_email } = change.ticket;
      if (contact_email && customer.startsWith('anon:')) {
        state.customers.push({ id: customer, name: 'Guest', email: contact_email, phone: null });
      }
      state.tickets.push({
        id: `T-new-${++n}`,
        customer_id: customer,
        subject,
        description,
        status: 'open',
        priority: 'normal',
        contact_email: contact_email ?? null,
      });
    } else {
      state.comments.push({
        ticket_id: change.comment.ticket_id,
        author: 'customer',
        body: change.comment.body,
      });
    }
  }
  return hashState(state);
}
