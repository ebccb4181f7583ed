import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../../fakes/base.js';
import type { FakeHubSpot } from '../../fakes/hubspot.js';
import type { FakeSalesforce } from '../../fakes/salesforce.js';
import { callTool, errorOf } from '../mcp/support.js';
import { type CrmFixture, startCrm } from './harness.js';
import { confirmedStaffCall, customerIds, operatorToken } from './staff-support.js';

const VENDOR_WORDS =
  /INVALID_AUTHENTICATION|INVALID_SESSION_ID|RATE_LIMIT|REQUEST_LIMIT|Maintenance|html|SERVER_UNAVAILABLE|INTERNAL_ERROR|INVALID_OPTION|RESTRICTED_PICKLIST|MALFORMED_QUERY/i;

/** Each vendor's search request and its ticket update (a PATCH sharing its path with reads). */
const SEARCH_PATH: Record<string, RegExp> = {
  hubspot: /\/contacts\/search$/,
  salesforce: /\/query$/,
};
const UPDATE_PATH: Record<string, RegExp> = {
  hubspot: /\/crm\/v3\/objects\/tickets\/\d+$/,
  salesforce: /\/sobjects\/Case\/\w+$/,
};

/**
 * The staff calls new on HubSpot and Salesforce meet a CRM answering garbage, HTML, a 200 of the
 * wrong shape, a rate limit or 5xx exactly as the visitor's calls do (docs/crm.md): a coded
 * `crm_unavailable` with no vendor words, retries only where the HTTP module retries, and nothing
 * written by a refused update.
 */
describe.each(['hubspot', 'salesforce'] as const)('staff calls under CRM faults: %s', (kind) => {
  let f: CrmFixture;
  let token: string;
  beforeAll(async () => {
    f = await startCrm(kind, { timeoutMs: 400 });
    token = await operatorToken(f);
  });
  afterAll(async () => f?.close());

  const fake = () => {
    if (!f.fake) throw new Error('no fake');
    return f.fake;
  };
  const search = () => callTool(f.server, token, 'find_customer', { query: 'alice' });
  const stored = (ticket: string) =>
    kind === 'hubspot'
      ? (fake() as FakeHubSpot).tickets.get(ticket)?.props.hs_pipeline_stage
      : [...(fake() as FakeSalesforce).cases.values()].find((c) => c.CaseNumber === ticket)?.Status;
  const patches = () => fake().requests.filter((r) => r.method === 'PATCH').length;
  /** One good call after each failure: the breaker never opens between steps. */
  async function recovers(): Promise<void> {
    fake().faults.length = 0;
    expect(customerIds(await search())).toEqual([f.alice]);
  }
  function coded(res: Awaited<ReturnType<typeof search>>): void {
    const e = errorOf(res);
    expect(e.error).toBe('crm_unavailable');
    expect(JSON.stringify(e)).not.toMatch(VENDOR_WORDS);
  }

  it('answers crm_unavailable to a search answered with garbage, HTML, a wrong shape or 5xx', async () => {
    const faults: [Fault, number][] = [
      ['malformed_json', 1],
      ['html', 1],
      ['missing_field', 1],
      ['wrong_id_type', 1],
      ['server_error', 3],
    ];
    for (const [fault, times] of faults) {
      fake().inject(fault, times, SEARCH_PATH[kind]);
      coded(await search());
      await recovers();
    }
  });

  it('retries a search and an update through one rate limit', async () => {
    fake().inject('rate_limit', 1, SEARCH_PATH[kind]);
    expect(customerIds(await search())).toEqual([f.alice]);
    const before = patches();
    fake().inject('rate_limit', 1, UPDATE_PATH[kind], 'PATCH');
    const done = await confirmedStaffCall(f, token, 'set_ticket_status', {
      ticket_id: f.bobTicket,
      status: 'closed',
    });
    expect(done.structuredContent).toMatchObject({ changed: true, ticket: { status: 'closed' } });
    expect(patches() - before).toBe(2);
  });

  it('answers crm_unavailable, writing nothing, to an update refused by 5xx, garbage or a rate-limit storm', async () => {
    const was = stored(f.aliceTicket);
    for (const [fault, times] of [
      ['server_error', 3],
      ['malformed_json', 1],
      ['html', 1],
      ['rate_limit', 20],
    ] as [Fault, number][]) {
      fake().inject(fault, times, UPDATE_PATH[kind], 'PATCH');
      coded(
        await confirmedStaffCall(f, token, 'set_ticket_status', {
          ticket_id: f.aliceTicket,
          status: 'closed',
        }),
      );
      expect(stored(f.aliceTicket)).toBe(was);
      await recovers();
    }
  });

  it('answers crm_unavailable when the answer after the update has the wrong shape', async () => {
    // HubSpot answers the PATCH with the object; Salesforce answers 204 and the Case is read back
    // by Id (the tool's own reads are SOQL queries, so that GET is the read-back).
    fake().inject('missing_field', 1, UPDATE_PATH[kind], kind === 'hubspot' ? 'PATCH' : 'GET');
    coded(
      await confirmedStaffCall(f, token, 'set_ticket_status', { ticket_id: f.aliceTicket, status: 'closed' }),
    );
    expect(fake().faults).toEqual([]);
    await recovers();
  });
});

describe('a HubSpot rate limit with Retry-After', () => {
  let f: CrmFixture;
  let hs: FakeHubSpot;
  let token: string;
  beforeAll(async () => {
    f = await startCrm('hubspot', { timeoutMs: 400 });
    hs = f.fake as FakeHubSpot;
    token = await operatorToken(f);
  });
  afterAll(async () => f?.close());
  const patches = () => hs.requests.filter((r) => r.method === 'PATCH').length;

  it('waits as asked when it is short, and gives up at once when it is long', async () => {
    hs.retryAfter = 1;
    hs.inject('rate_limit', 1, UPDATE_PATH.hubspot, 'PATCH');
    let before = patches();
    const started = performance.now();
    const done = await confirmedStaffCall(f, token, 'set_ticket_status', {
      ticket_id: f.aliceTicket,
      status: 'closed',
    });
    expect(done.structuredContent).toMatchObject({ changed: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(patches() - before).toBe(2);

    hs.retryAfter = 30;
    hs.inject('rate_limit', 1, UPDATE_PATH.hubspot, 'PATCH');
    before = patches();
    const refused = errorOf(
      await confirmedStaffCall(f, token, 'set_ticket_status', { ticket_id: f.aliceTicket, status: 'open' }),
    );
    expect(refused.error).toBe('crm_unavailable');
    expect(patches() - before).toBe(1);
    expect(hs.tickets.get(f.aliceTicket)?.props.hs_pipeline_stage).toBe('61004');
  });
});

describe('a Salesforce status value removed since it was read', () => {
  it('answers crm_unavailable to the restricted-picklist refusal, writing nothing, then reads the values again', async () => {
    const f = await startCrm('salesforce');
    try {
      const sf = f.fake as FakeSalesforce;
      const token = await operatorToken(f);
      const set = (ticket: string, status: string) =>
        confirmedStaffCall(f, token, 'set_ticket_status', { ticket_id: ticket, status });
      expect((await set(f.aliceTicket, 'closed')).structuredContent).toMatchObject({ changed: true });
      // An admin deletes "Working" while Deputy still holds the list it read.
      sf.caseStatuses.splice(
        sf.caseStatuses.findIndex((s) => s.ApiName === 'Working'),
        1,
      );
      const res = errorOf(await set(f.aliceClosed, 'open'));
      expect(res.error).toBe('crm_unavailable');
      expect(JSON.stringify(res)).not.toMatch(VENDOR_WORDS);
      expect([...sf.cases.values()].find((c) => c.CaseNumber === f.aliceClosed)?.Status).toBe('Closed');
      // The refusal dropped the stale list: the next try reads the picklist again and succeeds.
      expect((await set(f.aliceClosed, 'open')).structuredContent).toMatchObject({ changed: true });
      expect([...sf.cases.values()].find((c) => c.CaseNumber === f.aliceClosed)?.Status).toBe('Escalated');
    } finally {
      await f.close();
    }
  });
});
