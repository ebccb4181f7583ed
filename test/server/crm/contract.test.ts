import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, confirmAndCall, errorOf, rawCall } from '../mcp/support.js';
import { CRM_CASES, type CrmFixture, startCrm, VISITOR } from './harness.js';

/**
 * One contract, run unchanged over `/mcp` against the embedded CRM and each vendor adapter with its
 * loopback fake (docs/crm.md): reads, ownership from the CRM (no existence oracle), scopes,
 * confirmation and replay, idempotent creates, unknown customers.
 */
describe.each(CRM_CASES)('CRM contract: $name', ({ kind, store }) => {
  let f: CrmFixture;
  beforeAll(async () => {
    f = await startCrm(kind, { store });
  });
  afterAll(async () => {
    await f.close();
  });

  it("get_customer_info answers the caller's own record from the CRM", async () => {
    const res = await callTool(f.server, await f.token(f.alice, VISITOR), 'get_customer_info', {});
    expect(res.structuredContent).toMatchObject({
      customer_id: f.alice,
      name: 'Alice Martin',
      email: f.aliceEmail,
    });
  });

  it('get_ticket_status answers an own ticket with the common status and the CRM label', async () => {
    const res = await callTool(f.server, await f.token(f.alice, VISITOR), 'get_ticket_status', {
      ticket_id: f.aliceTicket,
    });
    const data = res.structuredContent as Record<string, string>;
    expect(data.ticket_id).toBe(f.aliceTicket);
    expect(data.subject).toBe('Order #5512 arrived damaged');
    expect(data.status).toBe('open');
    expect(data.state).toBe('in_progress');
    expect(data.status_label?.length).toBeGreaterThan(0);
  });

  it('reads a ticket id written the other way (T-123 on a numeric CRM, 123 on the embedded one)', async () => {
    const other = f.aliceTicket.startsWith('T-') ? f.aliceTicket.slice(2) : `T-${f.aliceTicket}`;
    const res = await callTool(f.server, await f.token(f.alice, VISITOR), 'get_ticket_status', {
      ticket_id: other,
    });
    expect(res.structuredContent).toMatchObject({ ticket_id: f.aliceTicket });
  });

  it("answers another customer's ticket exactly like a missing one", async () => {
    const token = await f.token(f.alice, VISITOR);
    const theirs = errorOf(await callTool(f.server, token, 'get_ticket_status', { ticket_id: f.bobTicket }));
    const missing = errorOf(
      await callTool(f.server, token, 'get_ticket_status', { ticket_id: f.missingTicket }),
    );
    expect(theirs.error).toBe('not_found');
    expect(theirs.message.replace(f.bobTicket, 'X')).toBe(missing.message.replace(f.missingTicket, 'X'));
  });

  it('list_my_tickets lists only own tickets, newest first, and filters by status', async () => {
    const token = await f.token(f.alice, VISITOR);
    const all = (await callTool(f.server, token, 'list_my_tickets', {})).structuredContent as {
      tickets: { ticket_id: string; status: string }[];
    };
    expect(all.tickets.map((t) => t.ticket_id)).toEqual([f.aliceTicket, f.aliceClosed]);
    const closed = (await callTool(f.server, token, 'list_my_tickets', { status: 'closed' }))
      .structuredContent as {
      tickets: { ticket_id: string }[];
    };
    expect(closed.tickets.map((t) => t.ticket_id)).toEqual([f.aliceClosed]);
  });

  it('refuses a tool outside the scopes and lists only what they allow', async () => {
    const token = await f.token(f.alice, ['crm.read']);
    const res = errorOf(await callTool(f.server, token, 'update_phone_number', { phone: '+14155550199' }));
    expect(res.error).toBe('insufficient_scope');
    expect(await f.phoneOf(f.alice)).toBe('+14155550132');
  });

  it('changes the phone only after confirmation, and a replayed confirmation writes nothing', async () => {
    const token = await f.token(f.alice, VISITOR);
    const { asked, done } = await confirmAndCall(f.server, token, 'update_phone_number', {
      phone: '+14155550199',
    });
    expect(asked.message).toContain('0132');
    expect(done.structuredContent).toMatchObject({ phone: '+14155550199', changed: true });
    expect(await f.phoneOf(f.alice)).toBe('+14155550199');
    const state = asked.confirmation?.state ?? '';
    const replay = errorOf(
      await callTool(f.server, token, 'update_phone_number', { phone: '+14155550100' }, state),
    );
    expect(replay.error).toBe('confirmation_invalid');
    expect(await f.phoneOf(f.alice)).toBe('+14155550199');
  });

  it('opens one ticket per confirmed request, owned by the caller', async () => {
    const token = await f.token(f.alice, VISITOR);
    const before = await f.ticketCount();
    const args = { subject: 'Missing parcel', description: 'Order #6001 never arrived.' };
    const { done } = await confirmAndCall(f.server, token, 'create_ticket', args);
    const made = done.structuredContent as { ticket_id: string; created: boolean; state: string };
    expect(made.created).toBe(true);
    expect(await f.ticketCount()).toBe(before + 1);
    const read = await callTool(f.server, token, 'get_ticket_status', { ticket_id: made.ticket_id });
    expect(read.structuredContent).toMatchObject({ ticket_id: made.ticket_id, subject: 'Missing parcel' });
    const bob = errorOf(
      await callTool(f.server, await f.token(f.bob, VISITOR), 'get_ticket_status', {
        ticket_id: made.ticket_id,
      }),
    );
    expect(bob.error).toBe('not_found');
  });

  it('adds a comment to an own open ticket and refuses one on a closed ticket', async () => {
    const token = await f.token(f.alice, VISITOR);
    const { done } = await confirmAndCall(f.server, token, 'add_ticket_comment', {
      ticket_id: f.aliceTicket,
      body: 'Any news?',
    });
    expect(done.structuredContent).toMatchObject({ ticket_id: f.aliceTicket, created: true });
    const closed = errorOf(
      await callTool(f.server, token, 'add_ticket_comment', { ticket_id: f.aliceClosed, body: 'Hello?' }),
    );
    expect(closed.error).toBe('ticket_closed');
    const theirs = errorOf(
      await callTool(f.server, token, 'add_ticket_comment', { ticket_id: f.bobTicket, body: 'Hello?' }),
    );
    expect(theirs.error).toBe('not_found');
  });

  it('tells a signed-in visitor the CRM does not know so plainly, and still opens a ticket at their email', async () => {
    const token = await f.token(f.stranger, VISITOR, { email: 'new.customer@example.org' });
    const info = errorOf(await callTool(f.server, token, 'get_customer_info', {}));
    expect(info.error).toBe('customer_unknown');
    expect(info.message).not.toMatch(/try again/i);
    const list = errorOf(await callTool(f.server, token, 'list_my_tickets', {}));
    expect(list.error).toBe('customer_unknown');
    const before = await f.ticketCount();
    const { done } = await confirmAndCall(f.server, token, 'create_ticket', {
      subject: 'Where is my order',
      description: 'Order 7001',
    });
    expect(done.structuredContent).toMatchObject({ created: true });
    expect(await f.ticketCount()).toBe(before + 1);
  });

  it('rejects a ticket id of no CRM format before any query', async () => {
    const token = await f.token(f.alice, VISITOR);
    const sent = f.fake?.requests.length ?? 0;
    const { body } = await rawCall(f.server, token, {
      name: 'get_ticket_status',
      arguments: { ticket_id: "1' OR 1=1" },
    });
    expect(body.result?.isError).toBe(true);
    expect(f.fake?.requests.length ?? 0).toBe(sent);
  });
});
