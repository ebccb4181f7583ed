import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmSchema } from '../../../server/crm/config.js';
import { HubSpotCrm } from '../../../server/crm/hubspot/adapter.js';
import type { FakeHubSpot } from '../../fakes/hubspot.js';
import { callTool, errorOf } from '../mcp/support.js';
import { type CrmFixture, startCrm } from './harness.js';
import { confirmedStaffCall, operatorToken } from './staff-support.js';

/**
 * set_ticket_status on HubSpot through the real MCP-over-HTTP path (docs/staff-mcp.md): the ticket
 * moves to the stage of its own pipeline that maps to the status; stage ids are the portal's, read
 * from the pipelines API (the fake's are not HubSpot's default "1".."4", docs/crm.md).
 */

/** The adapter on its own (for what the tool never asks, such as a no-op change). */
async function adapter(fake: FakeHubSpot, statusMap?: Record<string, string>): Promise<HubSpotCrm> {
  const cfg = CrmSchema.parse({
    type: 'hubspot',
    baseUrl: fake.url,
    tokenEnv: 'HS_TOKEN',
    ...(statusMap ? { statusMap } : {}),
  });
  if (cfg.type !== 'hubspot') throw new Error('not hubspot');
  const crm = new HubSpotCrm({ ...cfg, token: fake.token }, {});
  await crm.start();
  return crm;
}

describe('set_ticket_status on HubSpot', () => {
  let f: CrmFixture;
  let hs: FakeHubSpot;
  let token: string;
  const stageOf = (id: string) => hs.tickets.get(id)?.props.hs_pipeline_stage;
  const patches = () => hs.requests.filter((r) => r.method === 'PATCH').length;
  beforeAll(async () => {
    f = await startCrm('hubspot');
    hs = f.fake as FakeHubSpot;
    // Alice's ticket in the second pipeline (Billing: 71001 New, 71002 Waiting on us, 71003 Done).
    hs.addTicket('5003', f.alice, 'Invoice twice', '71002', '2026-11-20T08:00:00Z', '7100');
    token = await operatorToken(f);
  });
  afterAll(async () => f?.close());

  const set = (ticket: string, status: string) =>
    confirmedStaffCall(f, token, 'set_ticket_status', { ticket_id: ticket, status });

  it('moves the ticket to the stage mapped to each status', async () => {
    const closed = await set(f.aliceTicket, 'closed');
    expect(closed.structuredContent).toMatchObject({
      changed: true,
      ticket: { ticket_id: f.aliceTicket, customer_id: f.alice, status: 'closed', status_label: 'Closed' },
    });
    expect(stageOf(f.aliceTicket)).toBe('61004');
    const pending = await set(f.aliceTicket, 'pending');
    expect(pending.structuredContent).toMatchObject({
      ticket: { status: 'pending', state: 'waiting_on_customer', status_label: 'Waiting on contact' },
    });
    expect(stageOf(f.aliceTicket)).toBe('61002');
  });

  it('reopens a closed ticket as "Waiting on us" (in progress), not as New', async () => {
    const reopened = await set(f.aliceClosed, 'open');
    expect(reopened.structuredContent).toMatchObject({
      changed: true,
      ticket: { status: 'open', state: 'in_progress', status_label: 'Waiting on us' },
    });
    expect(stageOf(f.aliceClosed)).toBe('61003');
  });

  it('moves a ticket within its own pipeline, whose stages have other ids', async () => {
    const closed = await set('5003', 'closed');
    expect(closed.structuredContent).toMatchObject({
      changed: true,
      ticket: { status: 'closed', status_label: 'Done' },
    });
    expect(stageOf('5003')).toBe('71003');
    await set('5003', 'open');
    expect(stageOf('5003')).toBe('71002');
  });

  it('answers status_not_mapped, changing nothing, when no stage of the pipeline maps to the status', async () => {
    const before = patches();
    const stage = stageOf(f.bobTicket);
    const res = errorOf(await set(f.bobTicket, 'solved'));
    expect(res.error).toBe('status_not_mapped');
    expect(res.message).toContain('statusMap');
    expect(patches()).toBe(before);
    expect(stageOf(f.bobTicket)).toBe(stage);
  });

  it('answers not_found for a missing ticket and writes nothing', async () => {
    const before = patches();
    const res = errorOf(
      await callTool(f.server, token, 'set_ticket_status', { ticket_id: f.missingTicket, status: 'closed' }),
    );
    expect(res.error).toBe('not_found');
    expect(patches()).toBe(before);
  });

  it('leaves a ticket already there alone, and answers null for a missing one', async () => {
    const crm = await adapter(hs);
    const before = patches();
    const same = await crm.setTicketStatus(f.bobTicket, 'pending');
    expect(same).toMatchObject({ changed: false, ticket: { id: f.bobTicket, status: 'pending' } });
    expect(await crm.setTicketStatus(f.missingTicket, 'closed')).toBeNull();
    expect(await crm.setTicketStatus('not-a-ticket', 'closed')).toBeNull();
    expect(patches()).toBe(before);
  });

  it('follows the site statusMap (a stage mapped to resolved makes "solved" possible)', async () => {
    const crm = await adapter(hs, { Done: 'resolved' });
    const ticket = hs.tickets.get('5003');
    if (ticket) ticket.props.hs_pipeline_stage = '71002';
    const done = await crm.setTicketStatus('5003', 'solved');
    expect(done).toMatchObject({ changed: true, ticket: { status: 'solved', state: 'resolved' } });
    expect(stageOf('5003')).toBe('71003');
  });
});
