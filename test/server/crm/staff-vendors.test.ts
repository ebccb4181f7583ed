import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeZendesk } from '../../fakes/zendesk.js';
import { callTool, errorOf } from '../mcp/support.js';
import { type CrmFixture, startCrm } from './harness.js';
import { DANA, operatorToken } from './staff-support.js';

describe('staff tools on Zendesk (docs/staff-mcp.md)', () => {
  let f: CrmFixture;
  let zd: FakeZendesk;
  let token: string;
  beforeAll(async () => {
    f = await startCrm('zendesk');
    zd = f.fake as FakeZendesk;
    zd.addUser(777, 'Dana Agent', DANA.email, null, 'agent');
    token = await operatorToken(f);
  });
  afterAll(async () => f?.close());

  it('finds end users by name or email, never agents, and ignores search operators', async () => {
    const found = await callTool(f.server, token, 'find_customer', { query: 'alice' });
    expect(found.structuredContent).toMatchObject({
      customers: [{ customer_id: f.alice, name: 'Alice Martin' }],
    });
    const acme = await callTool(f.server, token, 'find_customer', { query: 'acme.test' });
    const ids = (acme.structuredContent as { customers: { customer_id: string }[] }).customers.map(
      (c) => c.customer_id,
    );
    expect(ids).not.toContain('777');
    const injected = await callTool(f.server, token, 'find_customer', { query: 'role:agent' });
    expect((injected.structuredContent as { customers: unknown[] }).customers).toEqual([]);
  });

  it('posts a staff reply authored by the operator’s Zendesk agent, never by the customer', async () => {
    const asked = errorOf(
      await callTool(f.server, token, 'comment_on_ticket', {
        ticket_id: f.aliceTicket,
        body: 'A replacement is on its way.',
      }),
    );
    const done = await callTool(f.server, token, 'comment_on_ticket', {
      ticket_id: f.aliceTicket,
      body: 'A replacement is on its way.',
      confirmation: asked.confirmation?.state,
    });
    expect(done.structuredContent).toMatchObject({ created: true, author_name: 'Dana Agent' });
    const last = zd.tickets.get(Number(f.aliceTicket))?.comments.at(-1);
    expect(last).toMatchObject({ body: 'A replacement is on its way.', author_id: 777, public: true });
  });
});

describe('set_ticket_status on Zendesk', () => {
  let f: CrmFixture;
  let token: string;
  beforeAll(async () => {
    f = await startCrm('zendesk');
    token = await operatorToken(f);
  });
  afterAll(async () => f?.close());

  it('sets the status after confirmation, and refuses a closed ticket without changing it', async () => {
    const args = { ticket_id: f.aliceTicket, status: 'solved' };
    const asked = errorOf(await callTool(f.server, token, 'set_ticket_status', args));
    expect(asked.error).toBe('confirmation_required');
    expect((f.fake as FakeZendesk).tickets.get(Number(f.aliceTicket))?.status).toBe('open');
    const done = await callTool(f.server, token, 'set_ticket_status', {
      ...args,
      confirmation: asked.confirmation?.state,
    });
    expect(done.structuredContent).toMatchObject({
      changed: true,
      ticket: { ticket_id: f.aliceTicket, status: 'solved' },
    });
    expect((f.fake as FakeZendesk).tickets.get(Number(f.aliceTicket))?.status).toBe('solved');
    const reopen = { ticket_id: f.aliceClosed, status: 'open' };
    const again = errorOf(await callTool(f.server, token, 'set_ticket_status', reopen));
    const refused = errorOf(
      await callTool(f.server, token, 'set_ticket_status', {
        ...reopen,
        confirmation: again.confirmation?.state,
      }),
    );
    expect(refused.error).toBe('crm_unavailable');
    expect((f.fake as FakeZendesk).tickets.get(Number(f.aliceClosed))?.status).toBe('closed');
  });
});

describe.each(['hubspot', 'salesforce'] as const)('staff tools on %s', (kind) => {
  let f: CrmFixture;
  let token: string;
  beforeAll(async () => {
    f = await startCrm(kind);
    token = await operatorToken(f);
  });
  afterAll(async () => f?.close());

  it('searches, asks before a status change, and reads (details: staff-hubspot/staff-salesforce)', async () => {
    const found = await callTool(f.server, token, 'find_customer', { query: 'alice' });
    expect(found.structuredContent).toMatchObject({
      customers: [{ customer_id: f.alice, name: 'Alice Martin' }],
    });
    expect(
      errorOf(
        await callTool(f.server, token, 'set_ticket_status', { ticket_id: f.aliceTicket, status: 'closed' }),
      ).error,
    ).toBe('confirmation_required');
    const profile = await callTool(f.server, token, 'get_customer_profile', { customer_id: f.alice });
    expect(profile.structuredContent).toMatchObject({
      customer: { customer_id: f.alice, name: 'Alice Martin' },
    });
  });
});
