import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, errorOf } from '../mcp/support.js';
import { CRM_KINDS, type CrmFixture, startCrm, VISITOR } from './harness.js';

/** `"identity": "email"`: the customer is the one CRM record with the token's verified email. */
describe.each(CRM_KINDS)('identity by email: %s', (kind) => {
  let f: CrmFixture;
  beforeAll(async () => {
    f = await startCrm(kind, { identity: 'email' });
  });
  afterAll(async () => {
    await f.close();
  });

  it('finds the customer by the email claim, whatever the sub', async () => {
    const token = await f.token('login-4711', VISITOR, { email: f.aliceEmail });
    expect((await callTool(f.server, token, 'get_customer_info', {})).structuredContent).toMatchObject({
      customer_id: f.alice,
      name: 'Alice Martin',
    });
    const own = await callTool(f.server, token, 'get_ticket_status', { ticket_id: f.aliceTicket });
    expect(own.structuredContent).toMatchObject({ ticket_id: f.aliceTicket });
    expect(
      errorOf(await callTool(f.server, token, 'get_ticket_status', { ticket_id: f.bobTicket })).error,
    ).toBe('not_found');
  });

  it('treats a token without an email, or with an unknown one, as a customer the CRM does not know', async () => {
    for (const token of [
      await f.token(f.alice, VISITOR),
      await f.token(f.alice, VISITOR, { email: 'x@nowhere.test' }),
    ]) {
      expect(errorOf(await callTool(f.server, token, 'get_customer_info', {})).error).toBe(
        'customer_unknown',
      );
      expect(
        errorOf(await callTool(f.server, token, 'get_ticket_status', { ticket_id: f.aliceTicket })).error,
      ).toBe('not_found');
    }
  });
});
