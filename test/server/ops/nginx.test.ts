// Two Deputy nodes on one PostgreSQL behind nginx, configured with the block docs/scaling.md shows
// (read from the doc): WebSocket chats pass through to either node, a draining node's 503 moves new
// sockets to the other node (`proxy_next_upstream http_503`, open-source nginx has no health
// checks), and a visitor whose socket the draining node closes resumes through nginx on the other.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signVisitorToken } from '../../../server/auth/visitor-token.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from '../../helpers/postgres.js';
import { TestSocket } from '../../helpers/ws-client.js';
import { type ChildServer, freePort, openSockets, spawnNodes } from './child-server.js';
import { type Nginx, nginxMissing, nginxServerConfig, startNginx } from './nginx.js';

const missing = !postgresAvailable ? POSTGRES_SKIP_REASON : nginxMissing();
if (missing && process.env.CI === 'true')
  throw new Error(`CI=true but ${missing}: the nginx test never skips in CI`);
if (missing) console.warn(`nginx test skipped: ${missing}`);

/** Polls `read` every 50 ms until `ok`, at most `ms`. */
async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(missing !== null)('two nodes behind nginx, configured as docs/scaling.md shows', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let nodes: ChildServer[] = [];
  let stopNodes: () => Promise<void> = async () => {};
  let lb: Nginx;
  let secret: Uint8Array;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The drain timeout is long enough that the drain below lasts until the visitor answers the card.
    ({ nodes, stop: stopNodes } = await spawnNodes(2, {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
      DEPUTY_LIMIT_DRAIN_TIMEOUT_MS: '30000',
    }));
    const port = await freePort();
    lb = await startNginx(
      port,
      nginxServerConfig(
        port,
        nodes.map((n) => Number(new URL(n.url).port)),
      ),
    );
    // The nodes share the demo site's generated secret through the database.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ value: string }>("select value from secrets where name = 'site-demo'");
      secret = new Uint8Array(Buffer.from(rows[0]?.value ?? '', 'base64url'));
    } finally {
      await c.end();
    }
  }, 180_000);

  afterAll(async () => {
    await lb?.stop();
    await stopNodes();
    await db?.drop();
  }, 60_000);

  /** A visitor's socket through nginx, past its welcome. */
  async function hello(sub: string, resume: { conversationId: string; lastSeq: number } | null = null) {
    const s = await TestSocket.open(lb.url);
    const token = await signVisitorToken({ secret, site: 'demo', audience: 'deputy', sub });
    s.send({ type: 'hello', v: 1, site: 'demo', token, ...(resume ?? {}) });
    return { s, welcome: await s.next('welcome', () => true, 15_000) };
  }

  it('passes chats to both nodes, moves new sockets off a draining node, and resumes there', async () => {
    const alice = await hello('cus_alice');
    const serving = await until(
      'the node holding the first socket',
      async () => {
        const counts = await Promise.all(nodes.map(openSockets));
        return counts.indexOf(1);
      },
      (i) => i >= 0,
    );
    const drainer = nodes[serving] as ChildServer;
    const other = nodes[1 - serving] as ChildServer;
    // Round robin: the next socket lands on the other node, and a tool-using turn answers on each.
    const bob = await hello('cus_bob');
    expect(await Promise.all(nodes.map(openSockets))).toEqual([1, 1]);
    for (const [s, ticket] of [
      [alice.s, 'T-1001'],
      [bob.s, 'T-1002'],
    ] as const) {
      s.send({
        type: 'message',
        clientId: `nginx_${ticket}_01`,
        text: `What's the status of ticket ${ticket}?`,
      });
      const reply = await s.next('message', (m) => m.role === 'assistant', 15_000);
      expect(reply.text).toContain(ticket);
    }

    // A turn in flight on the draining node: it waits for the visitor's click, so the drain lasts.
    alice.s.send({
      type: 'message',
      clientId: 'nginx_phone_0001',
      text: 'Please change my phone to +44 20 7946 0991',
    });
    const card = await alice.s.next('confirm_request', () => true, 15_000);
    drainer.proc.kill('SIGTERM');
    await until(
      'the draining node to answer /readyz with 503',
      async () => {
        try {
          return (await fetch(`${drainer.url}/readyz`, { signal: AbortSignal.timeout(2000) })).status;
        } catch {
          return 0;
        }
      },
      (status) => status === 503,
    );

    // Every new socket through nginx opens, on the other node; the draining node's 503s are retried.
    const before = lb.accessLog().length;
    const during: TestSocket[] = [];
    for (let i = 0; i < 6; i++) during.push((await hello('cus_bob')).s);
    expect(await openSockets(other)).toBe(1 + during.length);
    for (let i = 0; i < 4; i++) expect((await fetch(`${lb.url}/readyz`)).status).toBe(200);
    for (const s of during) s.close();
    const tries = await until(
      'nginx to log the six sockets and four probes',
      async () => lb.accessLog().slice(before),
      (lines) => lines.length >= 10,
    );
    const drainerAddr = new URL(drainer.url).host;
    const otherAddr = new URL(other.url).host;
    for (const t of tries) {
      expect(t.status === 101 || t.status === 200, JSON.stringify(t)).toBe(true);
      expect(t.upstreams.at(-1)).toBe(otherAddr);
    }
    // At least one request was sent to the draining node first and moved on its 503.
    const moved = tries.filter((t) => t.upstreams[0] === drainerAddr);
    expect(moved.length, JSON.stringify(tries)).toBeGreaterThan(0);
    for (const t of moved) expect(t.upstreamStatuses[0]).toBe('503');

    // The visitor answers; the turn finishes on the draining node, which then closes with 1012.
    const from = alice.s.frames.length;
    alice.s.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
    const done = await alice.s.next('message', (m) => m.role === 'assistant', 15_000, from);
    expect(done.text).toMatch(/0991|updated|changed/i);
    expect((await alice.s.waitClose()).code).toBe(1012);
    expect(await drainer.exited).toEqual({ code: 0, signal: null });

    // The widget reconnects through nginx: it lands on the surviving node and carries on.
    const again = await hello('cus_alice', {
      conversationId: alice.welcome.conversationId,
      lastSeq: done.seq,
    });
    expect(again.welcome).toMatchObject({ resumed: true, lastSeq: done.seq });
    again.s.send({
      type: 'message',
      clientId: 'nginx_after_0001',
      text: "What's the status of ticket T-1003?",
    });
    const after = await again.s.next('message', (m) => m.role === 'assistant', 15_000);
    expect(after.seq).toBe(done.seq + 2);
    expect(await openSockets(other)).toBe(2);
    again.s.close();
    bob.s.close();
  }, 120_000);
});
