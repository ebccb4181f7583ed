import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, TestSocket } from '../../helpers/ws-client.js';

const FRAMES = 3000;
const FUZZ_SOCKETS = 4;
describeStores('WebSocket fuzzing', (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    // Abuse limits raised so the fuzz frames reach the parser instead of being throttled away.
    server = await startServer({
      store: kind,
      env: {
        DEPUTY_LIMIT_FRAMES_PER_SECOND: '100000',
        DEPUTY_LIMIT_FRAME_BURST: '100000',
        DEPUTY_LIMIT_ABUSE_STRIKES: '100000',
      },
    });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  const nasty = fc.constantFrom(
    '{"__proto__":{"isAdmin":true},"type":"message","clientId":"proto_poll1","text":"hi"}',
    '{"constructor":{"prototype":{"x":1}},"type":"hello","v":1,"site":"demo"}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    '{"type":"message","clientId":"dupkey_1234","text":"a","text":"b"}',
    '{"type":"hello","v":1,"site":"demo","token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJjdXNfYWxpY2UifQ."}',
    '{"type":"confirm","confirmId":"cf_AAAAAAAAAA","accept":true}',
    '\u0000\u0001\u0002',
    '"\\ud800"',
    'null',
    '1e999999',
    `{"type":"message","clientId":"long_text_1","text":"${'x'.repeat(4001)}"}`,
    `{"type":"message","clientId":"${'c'.repeat(65)}","text":"hi"}`,
  );

  const mutatedFrame = fc
    .record(
      {
        type: fc.constantFrom('hello', 'message', 'confirm', 'welcome', 'ack', '', 'HELLO'),
        v: fc.oneof(fc.constant(1), fc.integer(), fc.string()),
        site: fc.oneof(fc.constant('demo'), fc.string({ maxLength: 80 })),
        token: fc.oneof(fc.string({ maxLength: 200 }), fc.constant('')),
        clientId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{8,20}$/), fc.string({ maxLength: 80 })),
        text: fc.oneof(fc.string({ maxLength: 200 }), fc.integer(), fc.object(), fc.constant(null)),
        confirmId: fc.string({ maxLength: 80 }),
        accept: fc.anything({ maxDepth: 1 }),
        conversationId: fc.string({ maxLength: 60 }),
        lastSeq: fc.oneof(fc.integer(), fc.double(), fc.string()),
      },
      { requiredKeys: ['type'] },
    )
    .map((f) => JSON.stringify(f));

  /** Deterministic (seeded) so a failure can be replayed. */
  const frames = fc.sample(
    fc.oneof(
      { weight: 3, arbitrary: mutatedFrame },
      { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
      { weight: 1, arbitrary: nasty },
    ),
    { numRuns: FRAMES, seed: 6 },
  );

  /** Sends its share of the frames, reopening a socket whenever the server closes one. */
  async function fuzzer(
    share: string[],
    n: number,
  ): Promise<{ sent: number; reopened: number; closeCodes: number[] }> {
    let socket: TestSocket | null = null;
    let sent = 0;
    let reopened = 0;
    const closeCodes: number[] = [];
    for (const frame of share) {
      if (!socket || socket.closed) {
        if (socket?.closed) closeCodes.push(socket.closed.code);
        socket = await TestSocket.open(server.url);
        reopened++;
        // Half the sockets get past the hello, so the post-hello paths are fuzzed too.
        if (n % 2 === 0) {
          socket.send({
            type: 'hello',
            v: 1,
            site: 'demo',
            token: await visitorToken(server, 'cus_bob'),
          });
          await socket.next('welcome').catch(() => undefined);
        }
      }
      if (socket.ws.readyState === socket.ws.OPEN) {
        socket.send(frame);
        sent++;
      }
      // Let the server breathe and the socket's close (if any) arrive before the next frame.
      if (sent % 25 === 0) await new Promise((r) => setImmediate(r));
    }
    socket?.close();
    return { sent, reopened, closeCodes };
  }

  describe('fuzzing the WebSocket', () => {
    it(`survives ${FRAMES} random and malformed frames while another conversation goes on unaffected`, async () => {
      const alice = await TestSocket.open(server.url);
      alice.send({
        type: 'hello',
        v: 1,
        site: 'demo',
        token: await visitorToken(server, 'cus_alice'),
      });
      await alice.next('welcome');

      const shares = Array.from({ length: FUZZ_SOCKETS }, (_, i) =>
        frames.filter((_, k) => k % FUZZ_SOCKETS === i),
      );
      const normal = (async () => {
        const replies: string[] = [];
        for (let i = 0; i < 5; i++) replies.push((await ask(alice, `status of T-1001? (${i})`)).text);
        return replies;
      })();
      const [replies, ...results] = await Promise.all([normal, ...shares.map((s, i) => fuzzer(s, i))]);

      for (const text of replies) expect(text).toContain('T-1001');
      expect(alice.closed).toBeNull();
      expect(alice.frames.filter((f) => f.type === 'error')).toEqual([]);
      expect(results.reduce((n, r) => n + r.sent, 0)).toBeGreaterThan(FRAMES * 0.9);
      // Only protocol closes: frame too large (1009), invalid UTF-8 (1007), auth/site (4401/4403), abuse (1008).
      for (const code of results.flatMap((r) => r.closeCodes))
        expect([1007, 1008, 1009, 4401, 4403]).toContain(code);
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect((await ask(alice, 'hello')).text).toMatch(/Alice/);
      alice.close();
    }, 60_000);
  });
});
