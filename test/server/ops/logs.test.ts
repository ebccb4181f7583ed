import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { sqliteOf } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, TestSocket } from '../../helpers/ws-client.js';

/** Every line the server logs (at debug, the most talkative level an operator might turn on). */
const lines: string[] = [];
let server: TestServer;

beforeAll(async () => {
  server = await startServer({
    env: { LOG_LEVEL: 'debug' },
    logStream: { write: (line) => void lines.push(line) },
  });
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

const logText = () => lines.join('');
const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

async function signedIn(sub: string): Promise<{ socket: TestSocket; token: string }> {
  const token = await visitorToken(server.dataDir, sub);
  const socket = await TestSocket.open(server.url);
  socket.send({ type: 'hello', v: 1, site: 'demo', token });
  await socket.next('welcome');
  return { socket, token };
}

describe('logs', () => {
  it('keep ids and masked values of a message with a phone and an email, never the raw ones (L1)', async () => {
    const { socket } = await signedIn('cus_alice');
    const welcome = await socket.next('welcome');
    await ask(socket, 'my new phone is +1 415 555 0132 and email alice.smith@example.org', 'l1_message_1');
    const text = logText();
    expect(text).not.toContain('415 555 0132');
    expect(text).not.toContain('4155550132');
    expect(text).not.toContain('alice.smith@example.org');
    const stored = records().find((r) => r.msg === 'visitor message stored');
    expect(stored).toMatchObject({ conversationId: welcome.conversationId, clientId: 'l1_message_1' });
    expect(String(stored?.text)).toContain('0132');
    expect(String(stored?.text)).toContain('a•••@example.org');
    expect(typeof stored?.reqId).toBe('string');
    socket.close();
  });

  it('never contain a visitor token, an Authorization header or a token in a query string (L2)', async () => {
    const { socket, token } = await signedIn('cus_bob');
    socket.close();
    const bad = await TestSocket.open(server.url);
    const forged = `${token.slice(0, -4)}AAAA`;
    bad.send({ type: 'hello', v: 1, site: 'demo', token: forged });
    await bad.waitClose();
    await fetch(`${server.url}/healthz?token=${token}`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const text = logText();
    expect(text).toContain('visitor token refused');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[2]);
    expect(text).not.toContain(forged);
  });

  it('show a visitor a generic message and a correlation id for an internal error, with details only in the log (L5)', async () => {
    const { socket } = await signedIn('cus_alice');
    // Break the database under the running server: SQLite refuses every write until it is undone.
    const { store } = server.app.deputy;
    sqliteOf(store).pragma('query_only = ON');
    try {
      socket.send({ type: 'message', clientId: 'l5_message_1', text: 'call me at +1 415 555 0132' });
      const err = await socket.next('error', (e) => e.code === 'internal');
      expect(err.message).toBe('Something went wrong on our side. Please try again.');
      expect(err.ref).toMatch(/^[0-9a-f]{8}$/);
      expect(JSON.stringify(err)).not.toMatch(/SQLITE|readonly|INSERT|at /);
      const logged = records().find((r) => r.ref === err.ref);
      expect(JSON.stringify(logged)).toContain('readonly');
      expect(lines.join('')).not.toContain('415 555 0132');
    } finally {
      sqliteOf(store).pragma('query_only = OFF');
    }
    expect((await ask(socket, 'hello')).text).toMatch(/Alice/);
    socket.close();
  });

  it('cannot be forged by visitor text with newlines, JSON or ANSI escapes (L6)', async () => {
    const { socket } = await signedIn('cus_bob');
    await ask(socket, 'hi\n{"level":30,"msg":"forged","admin":true}\u001b[31mred\u001b[0m\r\n');
    for (const line of lines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(record.admin).toBeUndefined();
      expect(record.msg).not.toBe('forged');
    }
    expect(logText()).not.toContain('\u001b');
    socket.close();
  });
});
