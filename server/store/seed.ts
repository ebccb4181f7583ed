import { sql } from 'kysely';
import type { Config } from '../config.js';
import type { Store } from './db.js';
import type { CustomersTable, TicketsTable } from './schema.js';

type SeedCustomer = Omit<CustomersTable, 'site_id' | 'created_at' | 'updated_at'>;
type SeedTicket = Omit<TicketsTable, 'site_id' | 'created_at' | 'updated_at'> & {
  created_at: string;
  updated_at: string;
};

/** The demo CRM: these ids and facts are contracts used by the demo page, docs and outside checks. */
export const DEMO_CUSTOMERS: SeedCustomer[] = [
  { id: 'cus_alice', name: 'Alice Martin', email: 'alice@example.com', phone: '+14155550132' },
  { id: 'cus_bob', name: 'Bob Chen', email: 'bob@example.com', phone: '+442079460958' },
];

export const DEMO_TICKETS: SeedTicket[] = [
  {
    id: 'T-1001',
    customer_id: 'cus_alice',
    subject: 'Order #5512 arrived damaged',
    description: 'The box was crushed and the ceramic mug inside is cracked. I would like a replacement.',
    status: 'open',
    priority: 'normal',
    created_at: '2026-11-18T09:12:00.000Z',
    updated_at: '2026-11-19T14:30:00.000Z',
  },
  {
    id: 'T-1002',
    customer_id: 'cus_alice',
    subject: 'Refund for order #5388',
    description: 'I returned the hiking boots (size 39) and would like my refund.',
    status: 'solved',
    priority: 'normal',
    created_at: '2026-10-02T16:45:00.000Z',
    updated_at: '2026-10-06T10:05:00.000Z',
  },
  {
    id: 'T-2001',
    customer_id: 'cus_bob',
    subject: 'Cannot log in to my account',
    description: 'The password reset email never arrives.',
    status: 'pending',
    priority: 'high',
    created_at: '2026-11-20T08:03:00.000Z',
    updated_at: '2026-11-21T11:20:00.000Z',
  },
];

const DEMO_COMMENTS = [
  {
    ticket_id: 'T-1001',
    author: 'agent' as const,
    body: 'Sorry about that! A replacement mug ships this week.',
    created_at: '2026-11-19T14:30:00.000Z',
  },
];

/** Whether the CRM has no customers yet (a first start). */
export async function isEmpty(store: Store, siteId = DEMO_SITE): Promise<boolean> {
  const row = await store.db
    .selectFrom('customers')
    .select(sql<number>`count(*)`.as('n'))
    .where('site_id', '=', siteId)
    .executeTakeFirst();
  return (row?.n ?? 0) === 0;
}

/** The site the demo customers belong to, and only that site (no demo data outside the demo). */
export const DEMO_SITE = 'demo';

/**
 * Re-creates the demo CRM: deletes the demo customers' records (and conversations of the demo site)
 * and inserts them again, in one transaction.
 */
export async function seedDemo(store: Store): Promise<void> {
  const ids = DEMO_CUSTOMERS.map((c) => c.id);
  const created = '2026-09-01T12:00:00.000Z';
  const site_id = DEMO_SITE;
  await store.db.transaction().execute(async (trx) => {
    const ticketIds = trx
      .selectFrom('tickets')
      .select('id')
      .where('site_id', '=', site_id)
      .where('customer_id', 'in', ids);
    await trx
      .deleteFrom('ticket_comments')
      .where('site_id', '=', site_id)
      .where('ticket_id', 'in', ticketIds)
      .execute();
    await trx.deleteFrom('tickets').where('site_id', '=', site_id).where('customer_id', 'in', ids).execute();
    await trx.deleteFrom('customers').where('site_id', '=', site_id).where('id', 'in', ids).execute();
    await trx
      .insertInto('customers')
      .values(DEMO_CUSTOMERS.map((c) => ({ ...c, site_id, created_at: created, updated_at: created })))
      .execute();
    await trx
      .insertInto('tickets')
      .values(DEMO_TICKETS.map((t) => ({ ...t, site_id })))
      .execute();
    await trx
      .insertInto('ticket_comments')
      .values(DEMO_COMMENTS.map((c) => ({ ...c, site_id })))
      .execute();
  });
}

/**
 * Whether this configuration runs the demo CRM: demo mode on and a `demo` site on the embedded CRM.
 * Any other configuration starts with an empty CRM (issue 10: no demo data outside the demo).
 */
export function runsDemoCrm(config: Config): boolean {
  const site = config.sites.get(DEMO_SITE);
  return config.demo && site !== undefined && (site.crm?.type ?? 'embedded') === 'embedded';
}
