import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { McpTokenMinter } from '../../../server/auth/mcp-token.js';
import { parseScopes } from '../../../shared/scopes.js';
import { mcpClient, postMcp } from '../../helpers/mcp.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { callTool, crmHash, errorOf, tokenWith, visitor } from './support.js';

describeStores('MCP scopes', (kind) => {
  let server: TestServer;
  let alice: string;

  beforeAll(async () => {
    server = await startServer({ store: kind });
    alice = await visitor(server, 'cus_alice');
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  const BOB_SECRETS = ['bob@example.com', 'Bob Chen', '442079460958', 'Cannot log in', 'T-2001'];

  function expectNoBobData(value: unknown) {
    const text = JSON.stringify(value);
    for (const secret of BOB_SECRETS) expect(text).not.toContain(secret);
  }

  describe('scopes and ownership (docs/threat-model.md S)', () => {
    it('S1: rejects a customer_id argument from a visitor: invalid params, no C7 data read', async () => {
      const before = await crmHash(server);
      const res = await callTool(server, alice, 'get_customer_info', { customer_id: 'cus_bob' });
      expect(errorOf(res).error).toBe('invalid_argument');
      expect(errorOf(res).message).toContain('customer_id');
      expectNoBobData(res);
      for (const name of ['list_my_tickets', 'update_phone_number', 'create_ticket']) {
        const r = await callTool(server, alice, name, { customer_id: 'cus_bob', phone: '+1 212 555 0100' });
        expect(errorOf(r).error).toBe('invalid_argument');
      }
      expect(await crmHash(server)).toBe(before);
    });

    it('S2: every tool a visitor can call answers only about that visitor', async () => {
      const before = await crmHash(server);
      const results = [
        await callTool(server, alice, 'get_customer_info', {}),
        await callTool(server, alice, 'list_my_tickets', { limit: 50 }),
        await callTool(server, alice, 'list_my_tickets', { status: 'pending' }),
        await callTool(server, alice, 'get_ticket_status', { ticket_id: 'T-2001' }),
      ];
      expect(results[0]?.structuredContent).toMatchObject({ customer_id: 'cus_alice' });
      // The only trace of T-2001 is the visitor's own argument echoed in "not found".
      expect(errorOf(results[3] ?? { content: [] }).message).toBe('Ticket T-2001 was not found.');
      for (const r of results.slice(0, 3)) expectNoBobData(r);
      expect(await crmHash(server)).toBe(before);
    });

    it("S3: answers another customer's ticket exactly like a missing one", async () => {
      const others = await callTool(server, alice, 'get_ticket_status', { ticket_id: 'T-2001' });
      const missing = await callTool(server, alice, 'get_ticket_status', { ticket_id: 'T-2999' });
      expect(JSON.stringify(others).replaceAll('T-2001', 'T-X')).toBe(
        JSON.stringify(missing).replaceAll('T-2999', 'T-X'),
      );
    });

    it('S4: update_phone_number without crm.contact.update.self or crm.write is not listed and refused', async () => {
      const token = await visitor(server, 'cus_alice', ['crm.read', 'crm.ticket.create']);
      const client = await mcpClient(server, token);
      const { tools } = await client.listTools();
      await client.close();
      expect(tools.map((t) => t.name)).toEqual([
        'get_customer_info',
        'get_ticket_status',
        'list_my_tickets',
        'create_ticket',
      ]);
      const before = await crmHash(server);
      const res = await callTool(server, token, 'update_phone_number', { phone: '+1 212 555 0100' });
      expect(errorOf(res)).toEqual({
        error: 'insufficient_scope',
        message: 'You do not have permission to do that.',
      });
      expect(await crmHash(server)).toBe(before);
    });

    it('S5: create_ticket with only crm.read is refused the same way', async () => {
      const token = await visitor(server, 'cus_alice', ['crm.read']);
      const before = await crmHash(server);
      const res = await callTool(server, token, 'create_ticket', {
        subject: 'Hello there',
        description: 'x',
      });
      expect(errorOf(res).error).toBe('insufficient_scope');
      const comment = await callTool(server, token, 'add_ticket_comment', { ticket_id: 'T-1001', body: 'x' });
      expect(errorOf(comment).error).toBe('insufficient_scope');
      expect(await crmHash(server)).toBe(before);
    });

    it('S6: an invented tool is unknown, not executed, and audited as denied', async () => {
      const before = await crmHash(server);
      for (const name of ['delete_customer', 'set_role', '__proto__', 'x'.repeat(500)]) {
        const res = await callTool(server, alice, name, { customer_id: 'cus_bob' });
        expect(errorOf(res).error).toBe('unknown_tool');
      }
      expect(await crmHash(server)).toBe(before);
      const audited = await server.app.deputy.store.db
        .selectFrom('audit_log')
        .select(['tool', 'outcome', 'error_code'])
        .where('tool', '=', 'delete_customer')
        .execute();
      expect(audited).toEqual([{ tool: 'delete_customer', outcome: 'denied', error_code: 'unknown_tool' }]);
    });

    it('S7: crm.any, admin and * never reach a visitor: only known scopes, no staff schema', async () => {
      expect(parseScopes('crm.read crm.read admin * crm.any')).toEqual(['crm.read']);
      const key = await loadSigningKey(server.app.deputy.store.secrets);
      const minter = new McpTokenMinter(
        key,
        () => server.url,
        () => `${server.url}/mcp`,
      );
      const token = await minter.tokenFor({ sub: 'cus_alice', scopes: ['crm.read', 'crm.any'] });
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
        scope: string;
      };
      expect(payload.scope).toBe('crm.read');
      const client = await mcpClient(server, token);
      const { tools } = await client.listTools();
      await client.close();
      expect(JSON.stringify(tools.map((t) => t.inputSchema))).not.toContain('customer_id');
      const res = await callTool(server, token, 'get_customer_info', { customer_id: 'cus_bob' });
      expect(errorOf(res).error).toBe('invalid_argument');
      expectNoBobData(res);
    });

    it('S8: an anonymous visitor reads nothing: only create_ticket (with a contact email) is offered', async () => {
      const anon = await tokenWith(server, { sub: 'anon:abc', scopes: ['crm.ticket.create'] });
      const client = await mcpClient(server, anon);
      const { tools } = await client.listTools();
      await client.close();
      expect(tools.map((t) => t.name)).toEqual(['create_ticket']);
      expect(tools[0]?.inputSchema.required).toContain('contact_email');
      const before = await crmHash(server);
      for (const [name, args] of [
        ['get_ticket_status', { ticket_id: 'T-1001' }],
        ['list_my_tickets', {}],
        ['get_customer_info', {}],
      ] as const) {
        expect(errorOf(await callTool(server, anon, name, args)).error).toBe('insufficient_scope');
      }
      // Even a site that gave anonymous visitors crm.read would not show them a customer record.
      const reader = await tokenWith(server, { sub: 'anon:abc', scopes: ['crm.read'] });
      expect(errorOf(await callTool(server, reader, 'get_customer_info', {})).error).toBe('sign_in_required');
      expect(
        errorOf(await callTool(server, reader, 'get_ticket_status', { ticket_id: 'T-1001' })).error,
      ).toBe('not_found');
      expect(await crmHash(server)).toBe(before);
    });

    it('answers 403 insufficient_scope to a tool call from a token that grants no CRM scope', async () => {
      const none = await tokenWith(server, { sub: 'anon:noscope', scopes: [] });
      // Connecting and listing still work (an empty list), so such a visitor can chat without tools.
      const client = await mcpClient(server, none);
      expect((await client.listTools()).tools).toEqual([]);
      await client.close();
      const before = await crmHash(server);
      const res = await postMcp(
        server,
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'create_ticket', arguments: { subject: 'Hello', description: 'x' } },
        },
        { authorization: `Bearer ${none}` },
      );
      expect(res.status).toBe(403);
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('error="insufficient_scope"');
      expect(challenge).toContain('scope="crm.read crm.contact.update.self crm.ticket.create crm.write"');
      expect(challenge).toContain('resource_metadata=');
      expect(await crmHash(server)).toBe(before);
    });

    it('staff (crm.any) see an optional customer_id and ownership is lifted', async () => {
      const staff = await tokenWith(server, { sub: 'staff:dana', scopes: ['crm.read', 'crm.any'] });
      const client = await mcpClient(server, staff);
      const { tools } = await client.listTools();
      await client.close();
      for (const t of tools) {
        expect(Object.keys(t.inputSchema.properties ?? {})).toContain('customer_id');
        expect(t.inputSchema.required ?? []).not.toContain('customer_id');
      }
      const res = await callTool(server, staff, 'get_ticket_status', { ticket_id: 'T-2001' });
      expect(res.structuredContent).toMatchObject({ ticket_id: 'T-2001', status: 'pending' });
      const wrongOwner = await callTool(server, staff, 'get_ticket_status', {
        ticket_id: 'T-2001',
        customer_id: 'cus_alice',
      });
      expect(errorOf(wrongOwner).error).toBe('not_found');
    });
  });
});
