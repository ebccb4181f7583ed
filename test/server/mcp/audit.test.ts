import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRow } from '../../../server/mcp/audit.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { callTool, confirmAndCall, tokenWith, visitor } from './support.js';

describeStores('MCP audit log', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ store: kind });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  const auditFor = async (sub: string): Promise<AuditRow[]> =>
    (await server.app.deputy.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('sub', '=', sub)
      .orderBy('id')
      .execute()) as AuditRow[];

  describe('audit log', () => {
    it('records every tools/call with who, scopes, tool, masked arguments, outcome, latency and token id', async () => {
      const token = await visitor(server, 'cus_bob');
      const jti = decodeJwt(token).jti;
      await callTool(server, token, 'get_ticket_status', { ticket_id: 'T-2001' });
      await confirmAndCall(server, token, 'update_phone_number', { phone: '+1 212 555 0188' });
      await callTool(server, token, 'create_ticket', {
        subject: 'Call me',
        description: 'reach me at bob.chen@example.net',
      });
      await callTool(server, token, 'get_ticket_status', { ticket_id: '1 OR 1=1' });
      await callTool(server, token, 'drop_everything', {});
      const audit = await auditFor('cus_bob');
      expect(audit.map((r) => [r.tool, r.outcome, r.error_code])).toEqual([
        ['get_ticket_status', 'ok', null],
        ['update_phone_number', 'confirmation_required', 'confirmation_required'],
        ['update_phone_number', 'ok', null],
        ['create_ticket', 'confirmation_required', 'confirmation_required'],
        ['get_ticket_status', 'error', 'invalid_argument'],
        ['drop_everything', 'denied', 'unknown_tool'],
      ]);
      for (const r of audit) {
        expect(r.client).toBe('test');
        expect(r.scopes).toBe('crm.read crm.contact.update.self crm.ticket.create crm.write');
        expect(r.jti).toBe(jti);
        expect(r.latency_ms).toBeGreaterThanOrEqual(0);
        expect(Date.parse(r.at)).not.toBeNaN();
      }
      const all = JSON.stringify(audit);
      // Phones and emails are masked; tokens and confirmation states are never recorded.
      expect(all).not.toContain('555 0188');
      expect(all).not.toContain('bob.chen@example.net');
      expect(all).toContain('0188');
      expect(all).toContain('b•••@example.net');
      expect(all).not.toContain('eyJ');
      expect(all).not.toContain('v1.');
    });

    it('records the conversation id of tokens minted by the chat backend', async () => {
      const token = await tokenWith(server, { sub: 'cus_alice', scopes: ['crm.read'] });
      await callTool(server, token, 'get_customer_info', {});
      expect((await auditFor('cus_alice')).at(-1)).toMatchObject({
        tool: 'get_customer_info',
        outcome: 'ok',
        cid: null,
      });
    });
  });
});
