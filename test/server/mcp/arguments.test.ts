import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRMATION_META_KEY } from '../../../server/mcp/confirmation.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { callTool, confirmAndCall, crmHash, errorOf, rawCall, visitor } from './support.js';

describeStores('MCP arguments', (kind) => {
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

  /** POSTs a JSON-RPC body given as raw text (duplicate keys, __proto__ keys survive as sent). */
  async function postRaw(body: string) {
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${alice}`,
      },
      body,
    });
    return {
      status: res.status,
      json: (await res.json()) as { result?: { isError?: boolean; content: { text: string }[] } },
    };
  }

  describe('tool-argument fuzzing (docs/threat-model.md F)', () => {
    it('F1: a phone with SQL in it is invalid_phone; nothing written, the table intact', async () => {
      const before = await crmHash(server);
      const res = await callTool(server, alice, 'update_phone_number', {
        phone: '+1 (555) 0100; DROP TABLE customers',
      });
      expect(errorOf(res).error).toBe('invalid_phone');
      expect(await crmHash(server)).toBe(before);
      expect(
        (await server.app.deputy.store.db.selectFrom('customers').select('id').execute()).length,
      ).toBeGreaterThanOrEqual(2);
    });

    it('F2: 300 digits are refused; full-width and Arabic-Indic digits are normalised to E.164', async () => {
      const before = await crmHash(server);
      expect(
        errorOf(await callTool(server, alice, 'update_phone_number', { phone: '9'.repeat(300) })).error,
      ).toBe('invalid_argument');
      expect(
        errorOf(await callTool(server, alice, 'update_phone_number', { phone: '9'.repeat(30) })).error,
      ).toBe('invalid_phone');
      expect(await crmHash(server)).toBe(before);
      const full = errorOf(
        await callTool(server, alice, 'update_phone_number', { phone: '＋１ ２１２ ５５５ ０１９９' }),
      );
      expect(full.message).toBe('Change your phone from •••• 0132 to +1 212 555 0199?');
      const arabic = await confirmAndCall(server, alice, 'update_phone_number', { phone: '+١ ٢١٢ ٢٣٤ ٥٦٧٨' });
      expect(arabic.done.structuredContent).toMatchObject({ phone: '+12122345678' });
      expect(
        await server.app.deputy.store.db
          .selectFrom('customers')
          .select('phone')
          .where('id', '=', 'cus_alice')
          .execute(),
      ).toEqual([{ phone: '+12122345678' }]);
    });

    it('F3: a possible but invalid number is not saved', async () => {
      const before = await crmHash(server);
      for (const phone of ['+44 7700 900123', '+1 555 0100', '12345']) {
        expect(errorOf(await callTool(server, alice, 'update_phone_number', { phone })).error).toBe(
          'invalid_phone',
        );
      }
      expect(await crmHash(server)).toBe(before);
    });

    it('F4: ticket ids outside ^T-\\d{1,10}$ are invalid params; no query run', async () => {
      const before = await crmHash(server);
      for (const id of [
        '../../admin',
        '1 OR 1=1',
        "T-1' --",
        `T-${'9'.repeat(10_000)}`,
        'T-',
        't-1001',
        'T-1001\n',
      ]) {
        const res = errorOf(await callTool(server, alice, 'get_ticket_status', { ticket_id: id }));
        expect(res.error).toBe('invalid_argument');
        if (id.length > 4) expect(res.message).not.toContain(id.slice(0, 20));
      }
      expect(await crmHash(server)).toBe(before);
    });

    it('F5: a merged arguments string is refused as invalid params; nothing executed', async () => {
      const before = await crmHash(server);
      const { status, body } = await rawCall(server, alice, {
        name: 'update_phone_number',
        arguments: '{"phone":"+1 212 555 0100"}{"phone":"+44 20 7946 0958"}',
      });
      expect(status).toBe(200);
      expect(body.error?.code ?? (body.result?.isError ? 'isError' : 'ok')).not.toBe('ok');
      expect(await crmHash(server)).toBe(before);
    });

    it('F6: duplicate keys: the last one wins and the confirmation shows that parsed value', async () => {
      const before = await crmHash(server);
      const { json } = await postRaw(
        '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"update_phone_number","arguments":{"phone":"+1 212 555 0100","phone":"+44 20 7946 0958"}}}',
      );
      const err = JSON.parse(json.result?.content[0]?.text ?? '{}') as { error: string; message: string };
      expect(err.error).toBe('confirmation_required');
      expect(err.message).toContain('+44 20 7946 0958');
      expect(err.message).not.toContain('212');
      expect(await crmHash(server)).toBe(before);
    });

    it('F7: __proto__ and constructor keys are refused; no prototype pollution', async () => {
      const before = await crmHash(server);
      // The HTTP body parser refuses prototype-poisoning JSON outright (secure-json-parse).
      const poisoned = await postRaw(
        '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"get_customer_info","arguments":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}}}',
      );
      expect(poisoned.status).toBe(400);
      // A plain "constructor" key gets as far as the tool's schema, which rejects it as an extra property.
      const extra = await postRaw(
        '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"get_customer_info","arguments":{"constructor":"x","toString":"y"}}}',
      );
      expect(extra.json.result?.isError).toBe(true);
      expect(JSON.parse(extra.json.result?.content[0]?.text ?? '{}')).toMatchObject({
        error: 'invalid_argument',
      });
      expect(({} as { isAdmin?: boolean }).isAdmin).toBeUndefined();
      expect(await crmHash(server)).toBe(before);
    });

    it('F8: empty-string or null arguments for a tool with required fields are refused once', async () => {
      const before = await crmHash(server);
      const asString = await rawCall(server, alice, { name: 'update_phone_number', arguments: '' });
      expect(asString.body.error?.code ?? (asString.body.result?.isError ? 'isError' : 'ok')).not.toBe('ok');
      const asNull = await rawCall(server, alice, { name: 'update_phone_number', arguments: null });
      expect(asNull.body.error?.code ?? (asNull.body.result?.isError ? 'isError' : 'ok')).not.toBe('ok');
      const missing = await callTool(server, alice, 'update_phone_number', undefined);
      expect(errorOf(missing).error).toBe('invalid_argument');
      expect(await crmHash(server)).toBe(before);
    });

    it('F9: a 200 KB description is over the limit; no ticket', async () => {
      const before = await crmHash(server);
      const res = await callTool(server, alice, 'create_ticket', {
        subject: 'Too long',
        description: 'x'.repeat(200_000),
      });
      expect(errorOf(res).error).toBe('invalid_argument');
      expect(await crmHash(server)).toBe(before);
    });

    it('F10: wrong types are invalid params with no coercion', async () => {
      const before = await crmHash(server);
      for (const ticket_id of [1042, ['T-1'], { id: 'T-1001' }, true, null]) {
        expect(errorOf(await callTool(server, alice, 'get_ticket_status', { ticket_id })).error).toBe(
          'invalid_argument',
        );
      }
      expect(errorOf(await callTool(server, alice, 'list_my_tickets', { limit: '5' })).error).toBe(
        'invalid_argument',
      );
      expect(errorOf(await callTool(server, alice, 'list_my_tickets', { limit: 1e9 })).error).toBe(
        'invalid_argument',
      );
      expect(errorOf(await callTool(server, alice, 'list_my_tickets', { status: 'deleted' })).error).toBe(
        'invalid_argument',
      );
      expect(await crmHash(server)).toBe(before);
    });

    it('treats a confirmation of the wrong type in _meta as invalid, nothing written', async () => {
      const before = await crmHash(server);
      const { body } = await rawCall(server, alice, {
        name: 'update_phone_number',
        arguments: { phone: '+1 212 555 0111' },
        _meta: { [CONFIRMATION_META_KEY]: { forged: true } },
      });
      expect(
        JSON.parse(body.result?.content[0]?.type === 'text' ? body.result.content[0].text : '{}'),
      ).toMatchObject({
        error: 'confirmation_invalid',
      });
      expect(await crmHash(server)).toBe(before);
    });
  });
});
