import { describe, expect, it } from 'vitest';
import { toolDoneLabel, toolLabel, toolStoppedLabel } from '../../../server/agent/tool-labels.js';
import { removeDataDir, startServer } from '../../helpers/server.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, TestSocket } from '../../helpers/ws-client.js';

const TOOLS = [
  'get_ticket_status',
  'get_customer_info',
  'list_my_tickets',
  'update_phone_number',
  'create_ticket',
  'add_ticket_comment',
];

describe('tool chip labels', () => {
  it.each(['en', 'es', 'de', 'fr', 'ar'])(
    'has running, done and stopped wording for every tool in %s',
    (locale) => {
      const seen = new Set<string>();
      for (const name of TOOLS) {
        const args = { ticket_id: 'T-1001' };
        const running = toolLabel(name, args, locale);
        expect(running.endsWith('…')).toBe(true);
        expect(toolDoneLabel(name, args, locale)).not.toMatch(/…|\{t\}/);
        expect(toolStoppedLabel(name, args, locale)).not.toContain('…');
        if (name === 'get_ticket_status' || name === 'add_ticket_comment')
          expect(running).toContain('T-1001');
        seen.add(running);
      }
      expect(seen.size).toBe(TOOLS.length);
    },
  );

  it('falls back to English for a locale without a table, and reads region tags by language', () => {
    expect(toolLabel('list_my_tickets', null, 'pt-BR')).toBe('Looking up your tickets…');
    expect(toolLabel('list_my_tickets', null, 'es-MX')).toBe('Consultando tus tickets…');
  });

  it("follows the widget's hello locale over a real socket", async () => {
    const server = await startServer();
    try {
      const socket = await TestSocket.open(server.url);
      socket.send({
        type: 'hello',
        v: 1,
        site: 'demo',
        token: await visitorToken(server.dataDir, 'cus_alice'),
        locale: 'de',
      });
      await socket.next('welcome');
      await ask(socket, 'status of T-1001?');
      const labels = socket.frames.flatMap((f) => (f.type === 'tool' ? [f.label] : []));
      expect(labels).toEqual(['Ticket T-1001 wird abgerufen…', 'Ticket T-1001 abgerufen']);
      socket.close();
    } finally {
      await server.close();
      removeDataDir(server.dataDir);
    }
  });
});
