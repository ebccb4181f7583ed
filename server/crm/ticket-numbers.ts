import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/schema.js';

/** New tickets are numbered above the demo range so a demo id never changes meaning. */
export const FIRST_NEW_TICKET = 3001;

/**
 * The embedded CRM's next ticket number for a site, from its counter row (migration 0006): one
 * upsert that either starts the row at 3001 or adds one, and returns the number. The row lock
 * orders concurrent creates on every node; `max()+1` over the tickets would give two nodes the same.
 * Inside the caller's transaction, so a rolled-back create gives its number back.
 */
export async function nextTicketNumber(db: Kysely<Database>, siteId: string): Promise<number> {
  const row = await db
    .insertInto('ticket_numbers')
    .values({ site_id: siteId, last_number: FIRST_NEW_TICKET })
    .onConflict((oc) =>
      oc.column('site_id').doUpdateSet((eb) => ({ last_number: eb('ticket_numbers.last_number', '+', 1) })),
    )
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return Number(row.last_number);
}

/**
 * After an import: numbers up to the highest imported `T-<n>` are taken, so new tickets start
 * above them (never below the counter's current value).
 */
export async function reserveTicketNumbers(
  db: Kysely<Database>,
  siteId: string,
  ids: string[],
): Promise<void> {
  const highest = Math.max(0, ...ids.map((id) => Number(/^T-(\d+)$/.exec(id)?.[1] ?? 0)));
  if (highest < FIRST_NEW_TICKET) return;
  await db
    .insertInto('ticket_numbers')
    .values({ site_id: siteId, last_number: highest })
    .onConflict((oc) =>
      oc.column('site_id').doUpdateSet({
        last_number: sql`CASE WHEN excluded.last_number > ticket_numbers.last_number
          THEN excluded.last_number ELSE ticket_numbers.last_number END`,
      }),
    )
    .execute();
}
