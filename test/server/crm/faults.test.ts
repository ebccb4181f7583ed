import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../../fakes/base.js';
import { callTool, confirmAndCall, errorOf } from '../mcp/support.js';
import { type CrmFixture, type CrmKind, startCrm, VISITOR } from './harness.js';

const VENDORS: CrmKind[] = ['hubspot', 'salesforce', 'zendesk'];
/** The request path of each vendor's ticket create (where a dropped answer hurts). */
const CREATE_PATH: Record<string, RegExp> = {
  hubspot: /batch\/upsert$/,
  salesforce: /sobjects\/Case\/Chat_Request_Id__c\//,
  zendesk: /^\/api\/v2\/tickets$/,
};
const VENDOR_WORDS =
  /INVALID_AUTHENTICATION|INVALID_SESSION_ID|authenticate|RATE_LIMIT|REQUEST_LIMIT|Maintenance|html|ServiceUnavailable|SERVER_UNAVAILABLE/i;

/**
 * A CRM answering garbage, HTML, a 200 with a missing field, an id of the wrong type, slowly, with a
 * 429 storm or 5xx, or not at all: a coded `crm_unavailable`, no crash, nothing written twice, and the
 * vendor's words only in the operator's metrics (docs/crm.md).
 */
describe.each(VENDORS)('CRM faults: %s', (kind) => {
  let f: CrmFixture;
  let token: string;
  beforeAll(async () => {
    f = await startCrm(kind, { timeoutMs: 400 });
    token = await f.token(f.alice, VISITOR);
  });
  afterAll(async () => {
    await f.close();
  });

  const read = () => callTool(f.server, token, 'get_customer_info', {});
  /** After a failure, one good call: the breaker never opens between tests. */
  async function recovers(): Promise<void> {
    expect((await read()).structuredContent).toMatchObject({ customer_id: f.alice });
  }
  async function failsCoded(fault: Fault, times: number): Promise<void> {
    f.fake?.inject(fault, times);
    const res = errorOf(await read());
    expect(res.error).toBe('crm_unavailable');
    expect(JSON.stringify(res)).not.toMatch(VENDOR_WORDS);
    if (f.fake) f.fake.faults.length = 0;
    await recovers();
  }

  it('retries a read through one 429 and one 5xx', async () => {
    const before = f.fake?.requests.length ?? 0;
    f.fake?.inject('rate_limit', 1);
    f.fake?.inject('server_error', 1);
    await recovers();
    expect((f.fake?.requests.length ?? 0) - before).toBe(3);
  });

  it('answers crm_unavailable through a 429 storm and repeated 5xx', async () => {
    await failsCoded('rate_limit', 20);
    await failsCoded('server_error', 20);
  });

  it('answers crm_unavailable when the CRM is slower than the timeout', async () => {
    if (f.fake) f.fake.slowMs = 700;
    await failsCoded('slow', 3);
  });

  it('answers crm_unavailable for malformed JSON, HTML, a missing field and a wrong id type', async () => {
    for (const fault of ['malformed_json', 'html', 'missing_field', 'wrong_id_type'] as const)
      await failsCoded(fault, 1);
  });

  it('answers crm_unavailable when its token has expired, and counts the vendor code in /metrics only', async () => {
    await failsCoded('expired_token', 1);
    const metrics = await (await fetch(`${f.server.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`deputy_crm_errors_total\\{crm="${kind}",site="acme",kind="auth",vendor_code="\\w+"\\} 1`),
    );
    expect(metrics).toMatch(
      new RegExp(`deputy_crm_requests_total\\{crm="${kind}",site="acme",outcome="ok"\\}`),
    );
  });

  it('opens one ticket when the answer to the create is lost and the create is retried', async () => {
    const before = await f.ticketCount();
    f.fake?.inject('drop_after', 1, CREATE_PATH[kind]);
    const { done } = await confirmAndCall(f.server, token, 'create_ticket', {
      subject: 'Lost answer',
      description: 'Retry me',
    });
    expect(done.structuredContent).toMatchObject({ subject: 'Lost answer' });
    expect(await f.ticketCount()).toBe(before + 1);
  });

  it('stops calling a CRM that keeps failing (breaker open)', async () => {
    f.fake?.inject('server_error', 100);
    for (let i = 0; i < 5; i++) expect(errorOf(await read()).error).toBe('crm_unavailable');
    const sent = f.fake?.requests.length ?? 0;
    expect(errorOf(await read()).error).toBe('crm_unavailable');
    expect(f.fake?.requests.length).toBe(sent);
    if (f.fake) f.fake.faults.length = 0;
  });
});
