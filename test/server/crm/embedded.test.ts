import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedCrm } from '../../../server/crm/embedded.js';
import { openStore, type Store } from '../../../server/store/db.js';
import { seedDemo } from '../../../server/store/seed.js';
import { removeDataDir } from '../../helpers/server.js';

let store: Store;
let crm: EmbeddedCrm;
const dir = mkdtempSync(path.join(tmpdir(), 'deputy-crm-'));

beforeAll(async () => {
  store = await openStore(dir);
  await seedDemo(store);
  crm = new EmbeddedCrm(store.db);
});
afterAll(async () => {
  await store.close();
  removeDataDir(dir);
});

const ticket = (subject: string, extra: { idempotencyKey?: string } = {}) => ({
  customerId: 'cus_alice',
  subject,
  description: 'Same words',
  priority: 'normal' as const,
  dedupeWindowMs: 10 * 60 * 1000,
  ...extra,
});

describe('the embedded CRM adapter', () => {
  it('opens one ticket for racing retries of the same request', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => crm.createTicket(ticket('Racing retries'))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.ticket.id)).size).toBe(1);
  });

  it('numbers new tickets above the demo range, one after another', async () => {
    const a = await crm.createTicket(ticket('First numbered'));
    const b = await crm.createTicket(ticket('Second numbered'));
    expect(Number(a.ticket.id.slice(2))).toBeGreaterThanOrEqual(3001);
    expect(Number(b.ticket.id.slice(2))).toBe(Number(a.ticket.id.slice(2)) + 1);
  });

  it('treats the same text outside the window as a new ticket', async () => {
    const first = await crm.createTicket(ticket('Windowed'));
    await new Promise((r) => setTimeout(r, 5));
    const later = await crm.createTicket({
      ...ticket('Windowed'),
      customerId: 'cus_alice',
      dedupeWindowMs: 0,
    });
    expect(later.created).toBe(true);
    expect(later.ticket.id).not.toBe(first.ticket.id);
  });

  it('finds a ticket by idempotency key only for the same customer', async () => {
    const made = await crm.createTicket(ticket('Keyed', { idempotencyKey: 'k-1' }));
    expect(await crm.findDuplicateTicket(ticket('Other text', { idempotencyKey: 'k-1' }))).toMatchObject({
      id: made.ticket.id,
    });
    const bobs = await crm.createTicket({ ...ticket('Keyed'), customerId: 'cus_bob', idempotencyKey: 'k-1' });
    expect(bobs.created).toBe(true);
    expect(bobs.ticket.id).not.toBe(made.ticket.id);
  });

  it('reports an unchanged phone as a no-op and a missing customer as null', async () => {
    expect(await crm.updatePhone('cus_alice', '+14155550132')).toMatchObject({ changed: false });
    expect(await crm.updatePhone('cus_alice', '+14155550199')).toMatchObject({ changed: true });
    expect(await crm.updatePhone('cus_nobody', '+14155550199')).toBeNull();
  });

  it('stores a repeated comment once and bumps the ticket’s update time', async () => {
    const before = await crm.getTicket('T-1001');
    const a = await crm.addComment({
      ticketId: 'T-1001',
      body: 'Any news?',
      customerId: 'cus_alice',
      dedupeWindowMs: 60_000,
    });
    const b = await crm.addComment({
      ticketId: 'T-1001',
      body: 'Any news?',
      customerId: 'cus_alice',
      dedupeWindowMs: 60_000,
    });
    expect([a.created, b.created]).toEqual([true, false]);
    expect(b.comment.id).toBe(a.comment.id);
    expect((await crm.getTicket('T-1001'))?.updatedAt).not.toBe(before?.updatedAt);
  });
});
