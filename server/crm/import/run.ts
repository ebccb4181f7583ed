import path from 'node:path';
import type { CountryCode } from 'libphonenumber-js';
import type { Store } from '../../store/db.js';
import { reserveTicketNumbers } from '../ticket-numbers.js';
import { csvRecords } from './csv.js';
import { checkCustomer, checkTicket, type ImportCustomer, type ImportTicket } from './records.js';

export interface ImportFile {
  name: string;
  text: string;
}

export interface ImportReport {
  customers: { added: number; updated: number; unchanged: number };
  tickets: { added: number; updated: number; unchanged: number };
  /** "tickets.csv row 3: email: is not an email address" — nothing is written when any exist. */
  problems: string[];
}

function recordsOf(file: ImportFile): { records: Record<string, unknown>[]; problem?: string } {
  if (path.extname(file.name).toLowerCase() !== '.json') return { records: csvRecords(file.text) };
  try {
    const data = JSON.parse(file.text) as unknown;
    const list = Array.isArray(data)
      ? data
      : [
          ...((data as { customers?: unknown[] }).customers ?? []),
          ...((data as { tickets?: unknown[] }).tickets ?? []),
        ];
    if (!list.every((r) => r && typeof r === 'object' && !Array.isArray(r)))
      return { records: [], problem: `${file.name}: every record must be a JSON object` };
    return { records: list as Record<string, unknown>[] };
  } catch (err) {
    return {
      records: [],
      problem: `${file.name}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    };
  }
}

/**
 * Loads customers and tickets into one site's embedded CRM (`deputy import`). Every row is checked
 * first; any problem and nothing is written. Re-running the same files changes nothing.
 */
export async function importRecords(
  store: Store,
  siteId: string,
  country: CountryCode,
  files: ImportFile[],
): Promise<ImportReport> {
  const report: ImportReport = {
    customers: { added: 0, updated: 0, unchanged: 0 },
    tickets: { added: 0, updated: 0, unchanged: 0 },
    problems: [],
  };
  const customers: ImportCustomer[] = [];
  const tickets: ImportTicket[] = [];
  for (const file of files) {
    const { records, problem } = recordsOf(file);
    if (problem) report.problems.push(problem);
    const offset = path.extname(file.name).toLowerCase() === '.json' ? 1 : 2; // CSV row 1 is the header
    records.forEach((raw, i) => {
      const where = `${file.name} row ${i + offset}`;
      const checked = 'ticket_id' in raw ? checkTicket(raw) : checkCustomer(raw, country);
      if (!checked.ok) for (const p of checked.problems) report.problems.push(`${where}: ${p}`);
      else if ('ticket_id' in checked.value) tickets.push(checked.value);
      else customers.push(checked.value);
    });
  }
  const known = new Set(customers.map((c) => c.id));
  const existing = await store.db
    .selectFrom('customers')
    .select('id')
    .where('site_id', '=', siteId)
    .execute();
  for (const r of existing) known.add(r.id);
  for (const t of tickets)
    if (!known.has(t.customer_id))
      report.problems.push(`ticket ${t.ticket_id}: customer_id: no customer ${t.customer_id}`);
  if (report.problems.length > 0) return report;
  const now = new Date().toISOString();
  await store.db.transaction().execute(async (trx) => {
    for (const c of customers) {
      const row = await trx
        .selectFrom('customers')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('id', '=', c.id)
        .executeTakeFirst();
      if (!row) {
        await trx
          .insertInto('customers')
          .values({ site_id: siteId, ...c, created_at: now, updated_at: now })
          .execute();
        report.customers.added++;
      } else if (row.name === c.name && row.email === c.email && row.phone === c.phone)
        report.customers.unchanged++;
      else {
        await trx
          .updateTable('customers')
          .set({ name: c.name, email: c.email, phone: c.phone, updated_at: now })
          .where('site_id', '=', siteId)
          .where('id', '=', c.id)
          .execute();
        report.customers.updated++;
      }
    }
    for (const t of tickets) {
      const row = await trx
        .selectFrom('tickets')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('id', '=', t.ticket_id)
        .executeTakeFirst();
      const fields = {
        customer_id: t.customer_id,
        subject: t.subject,
        description: t.description,
        status: t.status,
        priority: t.priority,
      };
      if (!row) {
        await trx
          .insertInto('tickets')
          .values({
            site_id: siteId,
            id: t.ticket_id,
            ...fields,
            created_at: t.created_at ?? now,
            updated_at: t.updated_at ?? t.created_at ?? now,
          })
          .execute();
        report.tickets.added++;
      } else if (Object.entries(fields).every(([k, v]) => row[k as keyof typeof row] === v))
        report.tickets.unchanged++;
      else {
        await trx
          .updateTable('tickets')
          .set({ ...fields, updated_at: t.updated_at ?? now })
          .where('site_id', '=', siteId)
          .where('id', '=', t.ticket_id)
          .execute();
        report.tickets.updated++;
      }
    }
    await reserveTicketNumbers(
      trx,
      siteId,
      tickets.map((t) => t.ticket_id),
    );
  });
  return report;
}
