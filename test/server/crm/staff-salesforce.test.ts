import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmSchema } from '../../../server/crm/config.js';
import { SalesforceCrm } from '../../../server/crm/salesforce/adapter.js';
import type { FakeSalesforce } from '../../fakes/salesforce.js';
import { callTool, errorOf } from '../mcp/support.js';
import { type CrmFixture, startCrm } from './harness.js';
import { confirmedStaffCall, customerIds, operatorToken } from './staff-support.js';

/**
 * Staff tools on Salesforce through the real MCP-over-HTTP path (docs/staff-mcp.md): Contact search
 * by SOQL LIKE, and Case status changes to the org's own picklist values (docs/crm.md).
 */

/** Contacts whose names and emails hold SOQL's special characters. */
const ODD = [
  ['003000000000CCCCC3', "Sean O'Brien", 'sean.obrien@acme.test'],
  ['003000000000DDDDD4', 'Tom Bell', 'tom_b@acme.test'],
  ['003000000000EEEEE5', 'Percy 50% Off', 'percy@acme.test'],
  ['003000000000FFFFF6', 'Back\\Slash Ltd', 'backslash@acme.test'],
  ['003000000000GGGGG7', 'Zed Quote', 'zed"quote@acme.test'],
] as const;

/** What "email or name contains the text, case-insensitive" selects, computed without SOQL. */
function expected(fake: FakeSalesforce, text: string, limit = 10): string[] {
  const t = text.toLowerCase();
  return [...fake.contacts.values()]
    .filter((c) => `${c.Email ?? ''}`.toLowerCase().includes(t) || c.Name.toLowerCase().includes(t))
    .sort((a, b) => a.Name.localeCompare(b.Name) || a.Id.localeCompare(b.Id))
    .slice(0, limit)
    .map((c) => c.Id);
}

/** The adapter on its own (for what the tool never asks, such as a no-op change). */
function adapter(fake: FakeSalesforce, statusMap?: Record<string, string>): SalesforceCrm {
  const cfg = CrmSchema.parse({
    type: 'salesforce',
    baseUrl: fake.url,
    tokenEnv: 'SF_TOKEN',
    ...(statusMap ? { statusMap } : {}),
  });
  if (cfg.type !== 'salesforce') throw new Error('not salesforce');
  return new SalesforceCrm({ ...cfg, token: fake.token }, {});
}

describe('find_customer on Salesforce', () => {
  let f: CrmFixture;
  let sf: FakeSalesforce;
  let token: string;
  beforeAll(async () => {
    f = await startCrm('salesforce');
    sf = f.fake as FakeSalesforce;
    for (const [id, name, email] of ODD) sf.addContact(id, name, email, null);
    token = await operatorToken(f);
  });
  afterAll(async () => f?.close());

  const find = (query: string, limit?: number) =>
    callTool(f.server, token, 'find_customer', { query, ...(limit ? { limit } : {}) });

  it('finds Contacts whose name or email contains the text, whatever its case, by name', async () => {
    expect(customerIds(await find('alice'))).toEqual([f.alice]);
    expect(customerIds(await find('MARTIN'))).toEqual([f.alice]);
    expect(customerIds(await find('bob@ACME'))).toEqual([f.bob]);
    const all = customerIds(await find('acme.test'));
    expect(all).toEqual(expected(sf, 'acme.test'));
    expect(all.length).toBe(7);
    expect(customerIds(await find('acme.test', 3))).toEqual(all.slice(0, 3));
    expect(customerIds(await find('nobody-here'))).toEqual([]);
    const q = sf.queries.at(-1) ?? '';
    expect(q).toMatch(/FROM Contact WHERE \(Email LIKE '%nobody-here%' OR Name LIKE '%nobody-here%'\)/);
  });

  it('matches quotes, backslashes, % and _ literally', async () => {
    expect(customerIds(await find("O'Brien"))).toEqual(['003000000000CCCCC3']);
    expect(customerIds(await find('m_b@'))).toEqual(['003000000000DDDDD4']);
    expect(customerIds(await find('50%'))).toEqual(['003000000000EEEEE5']);
    expect(customerIds(await find('k\\S'))).toEqual(['003000000000FFFFF6']);
    expect(customerIds(await find('d"q'))).toEqual(['003000000000GGGGG7']);
  });

  it('never lets the text change the query (wildcards, quotes, escapes, parentheses)', async () => {
    const hostile = [
      '%%',
      '__',
      '_%_',
      "' OR Name LIKE '",
      "%' OR Name LIKE '%",
      "\\' OR Name LIKE '%",
      "\\\\' OR Name LIKE '%",
      "x%') OR (Name LIKE '%",
      "') OR Id != null OR (Name LIKE '",
      "' AND Email != '",
      '\\\\',
      "\\'",
      '\\%',
      '\\_',
      "'; DELETE FROM Contact --",
      "a' LIMIT 200 --",
      '%\\',
    ];
    for (const text of hostile) {
      const res = await find(text);
      expect(res.isError, `${text}: ${JSON.stringify(res.content)}`).toBeFalsy();
      expect(customerIds(res), text).toEqual(expected(sf, text));
    }
    // Every search reached Salesforce as one well-formed query with the text inside its literals.
    expect(sf.queries.filter((q) => q.includes('FROM Contact WHERE (Email LIKE')).length).toBeGreaterThan(
      hostile.length - 1,
    );
  });

  it('sends nothing for a text of control characters only (no LIKE over every Contact)', async () => {
    const before = sf.queries.length;
    expect(customerIds(await find('\u0001\u0002\u0003'))).toEqual([]);
    expect(sf.queries.length).toBe(before);
  });
});

describe('set_ticket_status on Salesforce', () => {
  let f: CrmFixture;
  let sf: FakeSalesforce;
  let token: string;
  const caseOf = (number: string) => [...sf.cases.values()].find((c) => c.CaseNumber === number);
  const patches = () => sf.requests.filter((r) => r.method === 'PATCH').length;
  beforeAll(async () => {
    f = await startCrm('salesforce', {
      statusMap: { 'Awaiting Reply': 'waiting_on_customer', Resolved: 'resolved' },
    });
    sf = f.fake as FakeSalesforce;
    sf.addCaseStatus('Awaiting Reply', false);
    sf.addCaseStatus('Resolved', true);
    token = await operatorToken(f);
  });
  afterAll(async () => f?.close());

  const set = (ticket: string, status: string) =>
    confirmedStaffCall(f, token, 'set_ticket_status', { ticket_id: ticket, status });

  it('writes the picklist value the site maps each status to, and reads back what Salesforce made', async () => {
    const solved = await set(f.aliceTicket, 'solved');
    expect(solved.structuredContent).toMatchObject({
      changed: true,
      ticket: { ticket_id: f.aliceTicket, status: 'solved', state: 'resolved', status_label: 'Resolved' },
    });
    expect(caseOf(f.aliceTicket)).toMatchObject({ Status: 'Resolved', IsClosed: true });
    await set(f.aliceTicket, 'pending');
    expect(caseOf(f.aliceTicket)).toMatchObject({ Status: 'Awaiting Reply', IsClosed: false });
    const closed = await set(f.aliceTicket, 'closed');
    expect(closed.structuredContent).toMatchObject({ ticket: { status: 'closed', status_label: 'Closed' } });
    expect(caseOf(f.aliceTicket)).toMatchObject({ Status: 'Closed', IsClosed: true });
  });

  it('reopens a closed Case as in progress (Working), not as New', async () => {
    const reopened = await set(f.aliceClosed, 'open');
    expect(reopened.structuredContent).toMatchObject({
      changed: true,
      ticket: { status: 'open', state: 'in_progress' },
    });
    expect(caseOf(f.aliceClosed)).toMatchObject({ Status: 'Working', IsClosed: false });
  });

  it('answers not_found for a missing Case and writes nothing', async () => {
    const before = patches();
    const res = errorOf(
      await callTool(f.server, token, 'set_ticket_status', { ticket_id: f.missingTicket, status: 'closed' }),
    );
    expect(res.error).toBe('not_found');
    expect(patches()).toBe(before);
  });
});

describe('set_ticket_status on a Salesforce org with the default statuses', () => {
  let f: CrmFixture;
  let sf: FakeSalesforce;
  let token: string;
  const caseOf = (number: string) => [...sf.cases.values()].find((c) => c.CaseNumber === number);
  const patches = () => sf.requests.filter((r) => r.method === 'PATCH').length;
  beforeAll(async () => {
    f = await startCrm('salesforce');
    sf = f.fake as FakeSalesforce;
    token = await operatorToken(f);
  });
  afterAll(async () => f?.close());

  it('answers status_not_mapped, changing nothing, when no Case Status maps to the status', async () => {
    for (const status of ['pending', 'solved']) {
      const before = patches();
      const res = errorOf(
        await confirmedStaffCall(f, token, 'set_ticket_status', { ticket_id: f.aliceTicket, status }),
      );
      expect(res.error).toBe('status_not_mapped');
      expect(res.message).toContain('statusMap');
      expect(patches()).toBe(before);
      expect(caseOf(f.aliceTicket)).toMatchObject({ Status: 'Working', IsClosed: false });
    }
  });

  it('finds a status the admin added since, without a restart', async () => {
    sf.addCaseStatus('Waiting on Customer', false);
    const res = await confirmedStaffCall(f, token, 'set_ticket_status', {
      ticket_id: f.aliceTicket,
      status: 'pending',
    });
    expect(res.structuredContent).toMatchObject({ changed: true, ticket: { status: 'pending' } });
    expect(caseOf(f.aliceTicket)?.Status).toBe('Waiting on Customer');
  });

  it('leaves a Case already in that status alone, and answers null for a missing one', async () => {
    const crm = adapter(sf);
    const before = patches();
    const same = await crm.setTicketStatus(f.bobTicket, 'open');
    expect(same).toMatchObject({ changed: false, ticket: { id: f.bobTicket, status: 'open' } });
    expect(await crm.setTicketStatus(f.missingTicket, 'closed')).toBeNull();
    expect(await crm.setTicketStatus("1' OR CaseNumber != '", 'closed')).toBeNull();
    expect(patches()).toBe(before);
  });
});
