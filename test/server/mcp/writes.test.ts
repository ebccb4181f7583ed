import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeHash, signState } from '../../../server/mcp/confirmation.js';
import { storedSecret } from '../../../server/store/secrets.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { callTool, confirmAndCall, crmHash, errorOf, rawCall, tokenWith, visitor } from './support.js';

describeStores('MCP writes', (kind) => {
  let server: TestServer;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    server = await startServer({ store: kind });
    alice = await visitor(server, 'cus_alice');
    bob = await visitor(server, 'cus_bob');
    // A closed ticket for the comment rules.
    await db().updateTable('tickets').set({ status: 'closed' }).where('id', '=', 'T-1002').execute();
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  const db = () => server.app.deputy.store.db;
  const phoneOf = async (sub: string) =>
    (await db().selectFrom('customers').select('phone').where('id', '=', sub).executeTakeFirst())?.phone;
  const ticketsTitled = (subject: string) =>
    db().selectFrom('tickets').select('id').where('subject', '=', subject).execute();

  describe('update_phone_number', () => {
    it('asks for confirmation with a human summary and writes nothing until confirmed', async () => {
      const before = await crmHash(server);
      const asked = errorOf(
        await callTool(server, alice, 'update_phone_number', { phone: '+44 20 7946 0958' }),
      );
      expect(asked.error).toBe('confirmation_required');
      expect(asked.message).toBe('Change your phone from •••• 0132 to +44 20 7946 0958?');
      expect(asked.confirmation?.summary).toBe(asked.message);
      const expires = Date.parse(asked.confirmation?.expires_at ?? '');
      expect(expires - Date.now()).toBeGreaterThan(0);
      expect(expires - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000);
      expect(await crmHash(server)).toBe(before);
    });

    it('writes the normalised E.164 number exactly once when confirmed', async () => {
      const { done } = await confirmAndCall(server, alice, 'update_phone_number', {
        phone: '(415) 555-0199',
      });
      expect(done.structuredContent).toEqual({
        customer_id: 'cus_alice',
        phone: '+14155550199',
        changed: true,
      });
      expect(await phoneOf('cus_alice')).toBe('+14155550199');
    });

    it('treats the same call again after the write as a no-op without asking (W1)', async () => {
      const before = await crmHash(server);
      const res = await callTool(server, alice, 'update_phone_number', { phone: '+1 415 555 0199' });
      expect(res.isError).toBeFalsy();
      expect(res.structuredContent).toMatchObject({ phone: '+14155550199', changed: false });
      expect(await crmHash(server)).toBe(before);
    });

    it('refuses a replayed confirmation: exactly one write (A10, W2)', async () => {
      const args = { phone: '+1 212 555 0100' };
      const { asked, done } = await confirmAndCall(server, alice, 'update_phone_number', args);
      expect(done.isError).toBeFalsy();
      // Someone changes the number back; the old state must not be able to redo the write.
      await db()
        .updateTable('customers')
        .set({ phone: '+14155550132' })
        .where('id', '=', 'cus_alice')
        .execute();
      const before = await crmHash(server);
      const replay = errorOf(
        await callTool(server, alice, 'update_phone_number', args, asked.confirmation?.state),
      );
      expect(replay.error).toBe('confirmation_invalid');
      expect(await crmHash(server)).toBe(before);
    });

    it('performs one write when the same confirmation arrives twice at once (W6)', async () => {
      const args = { phone: '+1 646 555 0123' };
      const asked = errorOf(await callTool(server, alice, 'update_phone_number', args));
      const state = asked.confirmation?.state;
      const results = await Promise.all(
        [1, 2, 3].map(() => callTool(server, alice, 'update_phone_number', args, state)),
      );
      // One call writes; the others find the number already on file (no-op) or the state used up.
      const changed = results.filter(
        (r) => (r.structuredContent as { changed?: boolean } | undefined)?.changed,
      );
      expect(changed).toHaveLength(1);
      for (const r of results.filter((x) => x.isError)) expect(errorOf(r).error).toBe('confirmation_invalid');
      expect(await phoneOf('cus_alice')).toBe('+16465550123');
    });

    it('refuses a confirmation used with changed arguments, nothing written', async () => {
      const asked = errorOf(
        await callTool(server, alice, 'update_phone_number', { phone: '+1 718 555 0111' }),
      );
      const before = await crmHash(server);
      const other = errorOf(
        await callTool(
          server,
          alice,
          'update_phone_number',
          { phone: '+1 900 555 0100' },
          asked.confirmation?.state,
        ),
      );
      expect(['confirmation_invalid', 'invalid_phone']).toContain(other.error);
      const changed = errorOf(
        await callTool(
          server,
          alice,
          'update_phone_number',
          { phone: '+1 718 555 0112' },
          asked.confirmation?.state,
        ),
      );
      expect(changed.error).toBe('confirmation_invalid');
      expect(await crmHash(server)).toBe(before);
    });

    it("refuses another customer's confirmation state, nothing written", async () => {
      const args = { phone: '+1 718 555 0144' };
      const asked = errorOf(await callTool(server, alice, 'update_phone_number', args));
      const before = await crmHash(server);
      const stolen = errorOf(
        await callTool(server, bob, 'update_phone_number', args, asked.confirmation?.state),
      );
      expect(stolen.error).toBe('confirmation_invalid');
      expect(await crmHash(server)).toBe(before);
    });

    it('refuses an expired, a forged and a malformed state, nothing written', async () => {
      const args = { phone: '+1 718 555 0155' };
      const key = await storedSecret(server.app.deputy.store.secrets, 'mcp-confirmation');
      const claims = {
        v: 1 as const,
        id: 'expired-1',
        sub: 'cus_alice',
        customer: 'cus_alice',
        tool: 'update_phone_number',
        h: changeHash({ phone: '+17185550155' }),
        exp: Math.floor(Date.now() / 1000) - 1,
      };
      const expired = signState(key, claims);
      const forged = signState(new Uint8Array(32), { ...claims, id: 'forged-1', exp: claims.exp + 120 });
      const before = await crmHash(server);
      for (const state of [expired, forged, 'v1.abc.def', '', 'x'.repeat(5000)]) {
        const res = errorOf(await callTool(server, alice, 'update_phone_number', args, state));
        expect(res.error).toBe('confirmation_invalid');
      }
      // A correctly signed, unexpired state for the same change is accepted: the refusals above are real.
      const fresh = signState(key, { ...claims, id: 'fresh-1', exp: claims.exp + 120 });
      const ok = await callTool(server, alice, 'update_phone_number', args, fresh);
      expect(ok.structuredContent).toMatchObject({ changed: true });
      expect(before).not.toBe(await crmHash(server));
    });

    it('needs its own confirmation for each of two numbers sent in one step (W5)', async () => {
      const a = errorOf(await callTool(server, bob, 'update_phone_number', { phone: '+44 20 7946 0001' }));
      const b = errorOf(await callTool(server, bob, 'update_phone_number', { phone: '+44 20 7946 0002' }));
      // Swapped states do not confirm the other number.
      const before = await crmHash(server);
      const swapped = await Promise.all([
        callTool(server, bob, 'update_phone_number', { phone: '+44 20 7946 0001' }, b.confirmation?.state),
        callTool(server, bob, 'update_phone_number', { phone: '+44 20 7946 0002' }, a.confirmation?.state),
      ]);
      expect(swapped.map((r) => errorOf(r).error)).toEqual(['confirmation_invalid', 'confirmation_invalid']);
      expect(await crmHash(server)).toBe(before);
    });

    it('survives a restart: a state consumed before the restart is refused after it', async () => {
      const args = { phone: '+1 303 555 0177' };
      const { asked } = await confirmAndCall(server, alice, 'update_phone_number', args);
      const { dataDir, storeEnv } = server;
      await server.close();
      // A new port: a keep-alive socket to the old process must not carry the first call after it.
      server = await startServer({ store: kind, dataDir, env: storeEnv });
      const token = await visitor(server, 'cus_alice');
      await db().updateTable('customers').set({ phone: null }).where('id', '=', 'cus_alice').execute();
      const before = await crmHash(server);
      const replay = errorOf(
        await callTool(server, token, 'update_phone_number', args, asked.confirmation?.state),
      );
      expect(replay.error).toBe('confirmation_invalid');
      expect(await crmHash(server)).toBe(before);
      alice = token;
      bob = await visitor(server, 'cus_bob');
    });
  });

  describe('create_ticket', () => {
    const args = { subject: 'Wrong size delivered', description: 'I ordered a 39 and got a 41.' };

    it('opens a ticket once confirmed and returns the same ticket for a retry within 10 minutes (W4)', async () => {
      const { asked, done } = await confirmAndCall(server, alice, 'create_ticket', args);
      expect(asked.message).toBe('Open a ticket: “Wrong size delivered” (normal priority)?');
      const first = done.structuredContent as { ticket_id: string; created: boolean };
      expect(first.created).toBe(true);
      expect(first.ticket_id).toMatch(/^T-\d+$/);
      const before = await crmHash(server);
      const again = await callTool(server, alice, 'create_ticket', args);
      expect(again.structuredContent).toMatchObject({ ticket_id: first.ticket_id, created: false });
      expect(await crmHash(server)).toBe(before);
      expect(await ticketsTitled(args.subject)).toHaveLength(1);
    });

    it('does not merge the same text from another customer', async () => {
      const { done } = await confirmAndCall(server, bob, 'create_ticket', args);
      expect(done.structuredContent).toMatchObject({ created: true });
      expect(await ticketsTitled(args.subject)).toHaveLength(2);
    });

    it('returns the same ticket for the same idempotency key even with other text', async () => {
      const meta = { 'io.deputy/idempotency-key': 'retry-42' };
      const a = { subject: 'Invoice copy', description: 'Please send the invoice for #5512.' };
      const asked = errorOf(await callTool(server, alice, 'create_ticket', a));
      const first = await rawCall(server, alice, {
        name: 'create_ticket',
        arguments: a,
        _meta: { ...meta, 'io.deputy/confirmation': asked.confirmation?.state },
      });
      const id = (first.body.result?.structuredContent as { ticket_id?: string } | undefined)?.ticket_id;
      expect(id).toMatch(/^T-/);
      const before = await crmHash(server);
      const retry = await rawCall(server, alice, {
        name: 'create_ticket',
        arguments: { ...a, description: 'Please send the invoice for order #5512.' },
        _meta: meta,
      });
      expect(retry.body.result?.structuredContent).toMatchObject({ ticket_id: id, created: false });
      expect(await crmHash(server)).toBe(before);
    });

    it('asks an anonymous visitor for a contact email and files the ticket under a guest', async () => {
      const anon = await tokenWith(server, { sub: 'anon:guest123', scopes: ['crm.ticket.create'] });
      const missing = await callTool(server, anon, 'create_ticket', args);
      expect(errorOf(missing).error).toBe('invalid_argument');
      expect(errorOf(missing).message).toContain('contact_email');
      const { done } = await confirmAndCall(server, anon, 'create_ticket', {
        ...args,
        contact_email: 'guest@example.org',
      });
      const id = (done.structuredContent as { ticket_id: string }).ticket_id;
      const row = await db()
        .selectFrom('tickets')
        .select(['customer_id', 'contact_email'])
        .where('id', '=', id)
        .executeTakeFirst();
      expect(row).toEqual({ customer_id: 'anon:guest123', contact_email: 'guest@example.org' });
    });
  });

  describe('add_ticket_comment', () => {
    it('adds a comment to an own open ticket once confirmed', async () => {
      const { asked, done } = await confirmAndCall(server, alice, 'add_ticket_comment', {
        ticket_id: 'T-1001',
        body: 'The courier left it outside.',
      });
      expect(asked.message).toBe('Add this comment to ticket T-1001: “The courier left it outside.”?');
      expect(done.structuredContent).toMatchObject({ ticket_id: 'T-1001', created: true });
      const status = await callTool(server, alice, 'get_ticket_status', { ticket_id: 'T-1001' });
      expect(status.structuredContent).toMatchObject({ latest_reply: 'The courier left it outside.' });
    });

    it('refuses a closed ticket without asking, nothing written', async () => {
      const before = await crmHash(server);
      const res = errorOf(
        await callTool(server, alice, 'add_ticket_comment', { ticket_id: 'T-1002', body: 'Hi' }),
      );
      expect(res.error).toBe('ticket_closed');
      expect(await crmHash(server)).toBe(before);
    });

    it("answers another customer's ticket exactly like a missing one, nothing written", async () => {
      const before = await crmHash(server);
      const others = errorOf(
        await callTool(server, bob, 'add_ticket_comment', { ticket_id: 'T-1001', body: 'x' }),
      );
      const missing = errorOf(
        await callTool(server, bob, 'add_ticket_comment', { ticket_id: 'T-1999', body: 'x' }),
      );
      expect(others.error).toBe('not_found');
      expect(others.message.replace('T-1001', 'T-X')).toBe(missing.message.replace('T-1999', 'T-X'));
      expect(await crmHash(server)).toBe(before);
    });
  });

  describe('staff (crm.any)', () => {
    it('may act on a named customer, still only with confirmation', async () => {
      const staff = await tokenWith(server, {
        sub: 'staff:dana',
        scopes: ['crm.read', 'crm.write', 'crm.any'],
      });
      const info = await callTool(server, staff, 'get_customer_info', { customer_id: 'cus_bob' });
      expect(info.structuredContent).toMatchObject({ customer_id: 'cus_bob', email: 'bob@example.com' });
      const before = await crmHash(server);
      const asked = errorOf(
        await callTool(server, staff, 'update_phone_number', {
          customer_id: 'cus_bob',
          phone: '+44 20 7946 0999',
        }),
      );
      expect(asked.message).toContain('the phone of customer cus_bob');
      expect(await crmHash(server)).toBe(before);
    });
  });
});
