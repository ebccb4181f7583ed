// Two Deputy nodes on one PostgreSQL behind HAProxy, no stickiness (docs/scaling.md): the widget in
// Chromium talks through HAProxy, the node serving it is killed with SIGKILL while a confirm card
// waits, the widget resumes on the other node, the card completes once there, nothing acknowledged
// is lost or repeated, and an operator console on the surviving node saw it all live.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from '../helpers/postgres.js';
import { type ChildServer, freePort, openSockets, spawnNodes } from '../server/ops/child-server.js';
import { openConversation, signInConsole, transcript } from './console-page.js';
import { chromiumMissing, launchChromium } from './drivers/chromium.js';
import type { E2EPage, Engine } from './drivers/types.js';
import { type Haproxy, haproxyMissing, startHaproxy } from './haproxy.js';
import { ask, INPUT, openChat, REPLY, rows, SEND, textOf, until } from './widget-page.js';

const missing = !postgresAvailable ? POSTGRES_SKIP_REASON : (haproxyMissing() ?? chromiumMissing());
if (missing && process.env.CI === 'true')
  throw new Error(`CI=true but ${missing}: the multi-node e2e never skips in CI`);
if (missing) console.warn(`multi-node e2e skipped: ${missing}`);

const CONFIRM = { role: 'button', name: 'Confirm' } as const;

describe.skipIf(missing !== null)('two nodes behind HAProxy on one PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let nodes: ChildServer[] = [];
  let stopNodes: () => Promise<void> = async () => {};
  let lb: Haproxy;
  let engine: Engine;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ nodes, stop: stopNodes } = await spawnNodes(2, { DATABASE_URL: db.url, LOG_LEVEL: 'warn' }));
    lb = await startHaproxy(
      await freePort(),
      nodes.map((n) => Number(new URL(n.url).port)),
    );
    engine = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await engine?.close();
    await lb?.stop();
    await stopNodes();
    await db?.drop();
  }, 60_000);

  it('survives SIGKILL of the serving node: resumes, completes the pending card once, loses nothing', async () => {
    const visitor: E2EPage = await engine.newPage({ width: 1280, height: 800 });
    await openChat(visitor, `${lb.url}/?as=alice`);
    const first = await ask(visitor, "What's the status of ticket T-1001?");
    expect(first).toMatch(/T-1001/);

    const serving = await until(
      visitor,
      'the node holding the widget socket',
      async () => (await Promise.all(nodes.map(openSockets))).findIndex((n) => n > 0),
      (i) => i >= 0,
    );
    const victim = nodes[serving] as ChildServer;
    const survivor = nodes[1 - serving] as ChildServer;

    // The operator signs in on the node that will survive, and watches Alice's conversation.
    const desk: E2EPage = await engine.newPage({ width: 1280, height: 800 });
    await signInConsole(desk, survivor.url);
    await desk.click({ css: '#tab-All' });
    await openConversation(desk, 'Alice Martin');

    const second = await ask(visitor, "What's the status of ticket T-1002?");
    expect(second).toMatch(/T-1002/);
    await visitor.fill(INPUT, 'change my phone to +44 20 7946 0777');
    await visitor.click(SEND);
    await until(
      visitor,
      'the confirm card',
      () => textOf(visitor, 'fieldset.card .summary'),
      (t) => t.includes('7946 0777'),
    );

    victim.proc.kill('SIGKILL');
    await victim.exited;

    // The widget reconnects through HAProxy to the survivor; the card is still pending there.
    await until(
      visitor,
      'the widget reconnected to the surviving node',
      () => openSockets(survivor),
      (n) => n > 0,
      30_000,
    );
    await until(
      visitor,
      'the status line cleared',
      () => textOf(visitor, '.status'),
      (t) => t === '',
      30_000,
    );
    await visitor.click(CONFIRM);
    await until(
      visitor,
      'the card confirmed',
      () => textOf(visitor, 'fieldset.card .outcome'),
      (t) => t === 'Confirmed',
    );
    // The survivor answers the change once the dead node's turn lease has expired.
    await until(
      visitor,
      'the reply to the change',
      () => rows(visitor, REPLY),
      (r) => r.length === 3 && /updated|changed|is now/i.test(r[2] ?? ''),
      45_000,
    ).catch(async (err: unknown) => {
      // What the database holds, for the failure message.
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const cards = await c.query(
        'select id, for_seq, args, status, result, created_at, settled_at from pending_confirms',
      );
      const msgs = await c.query('select seq, role, created_at from messages order by seq');
      const audit = await c.query(
        "select at, tool, outcome, error_code from audit_log where tool like 'update%' order by id",
      );
      await c.end();
      throw new Error(
        `${String(err)}\ncards: ${JSON.stringify(cards.rows)}\nmessages: ${JSON.stringify(msgs.rows)}\naudit: ${JSON.stringify(audit.rows)}\nsurvivor: ${survivor.output().slice(-3000)}`,
      );
    });
    const phone = await ask(visitor, "What's my phone number?");
    expect(phone.replace(/\s/g, '')).toContain('+442079460777');

    // Exactly one write, and every stored message once, in order.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Each confirmed write consumes one single-use confirmation state.
      const writes = await client.query(
        "select count(*)::int as n from confirmation_uses where tool = 'update_phone_number'",
      );
      expect(writes.rows[0].n).toBe(1);
      const cards = await client.query('select status from pending_confirms');
      expect(cards.rows.map((r) => r.status)).toEqual(['done']);
      const msgs = await client.query<{ seq: number; role: string; text: string }>(
        'select seq, role, text from messages order by seq',
      );
      expect(msgs.rows.map((m) => m.seq)).toEqual(msgs.rows.map((_, i) => i + 1));
      const visitorTexts = msgs.rows.filter((m) => m.role === 'visitor').map((m) => m.text);
      expect(visitorTexts).toEqual([
        "What's the status of ticket T-1001?",
        "What's the status of ticket T-1002?",
        'change my phone to +44 20 7946 0777',
        "What's my phone number?",
      ]);
      // The widget shows each once, and the console on the survivor saw every one live.
      expect(await rows(visitor, '.row.visitor')).toEqual(visitorTexts);
      const seen = await until(
        desk,
        'every message in the console',
        () => transcript(desk),
        (t) => visitorTexts.every((text) => t.some((line) => line.includes(text))),
      );
      for (const text of visitorTexts) expect(seen.filter((l) => l.includes(text))).toHaveLength(1);
    } finally {
      await client.end();
    }
  }, 180_000);
});
