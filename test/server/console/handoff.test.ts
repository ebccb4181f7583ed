import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { ask, signIn } from '../../helpers/ws-client.js';
import { addOperator, consoleSignIn, consoleSocket, until } from './support.js';

describeStores('console handoff', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ store: kind });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  const db = () => server.app.deputy.store.db;
  const owner = async (id: string) =>
    (await db()
      .selectFrom('conversations')
      .select(['owner', 'operator_id', 'status'])
      .where('id', '=', id)
      .executeTakeFirst())!;

  describe('handoff to a person', () => {
    it('queues Alice, lets Sam take over, keeps the bot silent, and hands back', async () => {
      const sam = await consoleSignIn(server);
      const live = await consoleSocket(server, sam);
      await live.next((f) => f.type === 'hello');
      const alice = await signIn(server, 'cus_alice');
      const conversationId =
        alice.frames.find((f) => f.type === 'welcome')!.type === 'welcome'
          ? (alice.frames.find((f) => f.type === 'welcome') as { conversationId: string }).conversationId
          : '';
      alice.send({ type: 'message', clientId: 'c_human_0001', text: 'I want to talk to a person' });
      const queued = await alice.next('message', (f) => f.role === 'status');
      expect(queued.text).toMatch(/^queued:\d+$/);
      await live.next(
        (f) => f.type === 'conversation' && f.event === 'queued' && f.conversation.id === conversationId,
      );
      expect((await owner(conversationId)).owner).toBe('queue');
      // No bot reply to the request itself.
      expect(alice.frames.some((f) => f.type === 'message' && f.role === 'assistant')).toBe(false);

      const detail = (await (
        await sam.call('GET', `/console/api/conversations/${conversationId}`)
      ).json()) as {
        notes: { kind: string; text: string }[];
      };
      expect(detail.notes[0]).toMatchObject({ kind: 'summary' });
      expect(detail.notes[0]?.text).toContain('The visitor asked for a person.');

      expect((await sam.call('POST', `/console/api/conversations/${conversationId}/take-over`)).status).toBe(
        200,
      );
      const joined = await alice.next('message', (f) => f.role === 'status' && f.text === 'joined');
      expect(joined.name).toBe('Sam');
      expect(JSON.stringify(alice.frames)).not.toContain('northwind.example');

      const before = alice.frames.length;
      alice.send({ type: 'message', clientId: 'c_human_0002', text: 'status of T-1001?' });
      await live.next(
        (f) => f.type === 'message' && f.message.role === 'visitor' && f.message.text === 'status of T-1001?',
      );
      const reply = await sam.call('POST', `/console/api/conversations/${conversationId}/messages`, {
        text: 'Hi Alice, Sam here.',
      });
      expect(reply.status).toBe(200);
      const fromSam = await alice.next('message', (f) => f.role === 'operator', 5000, before);
      expect(fromSam).toMatchObject({ text: 'Hi Alice, Sam here.', name: 'Sam' });
      // The bot said nothing while Sam owned the conversation.
      expect(alice.frames.slice(before).some((f) => f.type === 'message' && f.role === 'assistant')).toBe(
        false,
      );

      const note = await sam.call('POST', `/console/api/conversations/${conversationId}/messages`, {
        text: 'VIP customer, be nice',
        private: true,
      });
      expect(note.status).toBe(200);

      expect((await sam.call('POST', `/console/api/conversations/${conversationId}/hand-back`)).status).toBe(
        200,
      );
      await alice.next('message', (f) => f.role === 'status' && f.text === 'left');
      const answer = await ask(alice, 'status of T-1002?');
      expect(answer.text).toContain('solved');
      // The private note never reached the widget.
      expect(JSON.stringify(alice.frames)).not.toContain('VIP customer');
      const audit = await db()
        .selectFrom('operator_audit')
        .select('action')
        .where('conversation_id', '=', conversationId)
        .execute();
      expect(audit.map((a) => a.action)).toEqual(['take_over', 'reply', 'note', 'hand_back']);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/deputy_handoff_first_reply_seconds_count 1\b/);
      expect(metrics).toMatch(/deputy_operators_online 1\b/);
      expect(metrics).toMatch(/deputy_handoff_queue_length 0\b/);
      alice.close();
      live.ws.close();
    });

    it('gives a racing take-over to exactly one operator; the other learns who has it', async () => {
      await addOperator(server, 'demo', 'kim@northwind.example', 'Kim');
      const sam = await consoleSignIn(server);
      const kim = await consoleSignIn(server, {
        email: 'kim@northwind.example',
        password: 'correct-horse-battery',
      });
      const live = await consoleSocket(server, sam);
      const bob = await signIn(server, 'cus_bob');
      const id = (bob.frames.find((f) => f.type === 'welcome') as { conversationId: string }).conversationId;
      bob.send({ type: 'message', clientId: 'c_race_00001', text: 'let me talk to a human' });
      await bob.next('message', (f) => f.role === 'status');
      const [a, b] = await Promise.all([
        sam.call('POST', `/console/api/conversations/${id}/take-over`),
        kim.call('POST', `/console/api/conversations/${id}/take-over`),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const loser = a.status === 409 ? a : b;
      const winnerName = a.status === 200 ? 'Sam' : 'Kim';
      expect(await loser.json()).toMatchObject({ code: 'console_not_owner', owner: winnerName });
      expect((await owner(id)).owner).toBe('operator');
      const joins = await until(async () => {
        const j = bob.frames.filter(
          (f) => f.type === 'message' && f.role === 'status' && f.text === 'joined',
        );
        return j.length > 0 && j;
      });
      expect(joins).toHaveLength(1);
      bob.close();
      live.ws.close();
    });

    it('tells the visitor honestly when nobody is online and keeps offering a ticket', async () => {
      const alice = await signIn(server, 'cus_alice');
      const id = (alice.frames.find((f) => f.type === 'welcome') as { conversationId: string })
        .conversationId;
      const reply = await ask(alice, 'can I speak to a person');
      const status = alice.frames.find((f) => f.type === 'message' && f.role === 'status');
      expect(status).toMatchObject({ text: 'offline' });
      expect(reply.text).toMatch(/What should I tell them\?/);
      expect((await owner(id)).owner).toBe('queue');
      alice.close();
    });
  });

  it('hands over after two unhelpful replies in a row; a helpful reply between them starts the count again', async () => {
    const visitor = await signIn(server, `cus_streak_${Date.now()}`);
    const id = (visitor.frames.find((f) => f.type === 'welcome') as { conversationId: string })
      .conversationId;
    const failures = async () =>
      (
        await db()
          .selectFrom('conversations')
          .select('failures')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).failures;
    expect((await ask(visitor, 'tell me a joke about penguins')).text).toMatch(/can't help with that/);
    // The count is written after the reply frame: wait for it.
    await until(async () => (await failures()) === 1);
    // A helpful turn after an unhelpful one writes the reset (it is skipped only when nothing changes).
    await ask(visitor, "What's the status of ticket T-1001?");
    await until(async () => (await failures()) === 0);
    await ask(visitor, 'tell me a joke about penguins');
    await until(async () => (await failures()) === 1);
    expect((await owner(id)).owner).toBe('bot');
    await ask(visitor, 'tell me a joke about penguins');
    await until(async () => ((await owner(id)).owner === 'queue' ? true : undefined));
    visitor.close();
  });
});
