import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, TestSocket } from '../../helpers/ws-client.js';

/** Issue #14: every reply in the visitor's language, over a real WebSocket and the real MCP server. */

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

async function visitor(locale: string, sub = 'cus_alice'): Promise<TestSocket> {
  const socket = await TestSocket.open(server.url);
  socket.send({ type: 'hello', v: 1, site: 'demo', token: await visitorToken(server.dataDir, sub), locale });
  await socket.next('welcome');
  return socket;
}

const CASES = [
  {
    locale: 'es',
    status: '¿cuál es el estado del ticket T-1001?',
    says: /El ticket T-1001 .* está \*\*abierto\*\*\. Se abrió el 18 de noviembre de 2026/,
    phone: 'quiero cambiar mi número de teléfono a +44 20 7946 0333',
    card: /¿Cambiar tu teléfono de .* a \+44 20 7946 0333\?/,
    who: '¿con qué cuenta he iniciado sesión?',
    whoSays: /Has iniciado sesión como Alice Martin/,
  },
  {
    locale: 'de',
    status: 'wie ist der Status von Ticket T-1001?',
    says: /Ticket T-1001 .* ist \*\*offen\*\*\. Es wurde am 18\. November 2026 eröffnet/,
    phone: 'ich möchte meine Telefonnummer auf +44 20 7946 0333 ändern',
    card: /Ihre Telefonnummer von .* auf \+44 20 7946 0333 ändern\?/,
    who: 'als wer bin ich angemeldet?',
    whoSays: /Sie sind angemeldet als Alice Martin/,
  },
  {
    locale: 'fr',
    status: 'quel est le statut du ticket T-1001 ?',
    says: /Le ticket T-1001 .* est \*\*ouvert\*\*\. Il a été ouvert le 18 novembre 2026/,
    phone: 'je veux changer mon numéro de téléphone pour +44 20 7946 0333',
    card: /Remplacer votre numéro .* par \+44 20 7946 0333 \?/,
    who: 'avec quel compte suis-je connecté ?',
    whoSays: /Vous êtes connecté en tant que Alice Martin/,
  },
  {
    locale: 'ar',
    status: 'ما حالة التذكرة T-1001؟',
    says: /التذكرة T-1001 .* حالتها \*\*مفتوحة\*\*/,
    // Arabic-Indic digits in the phone number.
    phone: 'أريد تغيير رقم هاتفي إلى +٤٤ ٢٠ ٧٩٤٦ ٠٣٣٣',
    card: /تغيير رقم هاتفك من .* إلى \+44 20 7946 0333؟/,
    who: 'بأي حساب سجلت الدخول؟',
    whoSays: /أنت مسجّل الدخول باسم Alice Martin/,
  },
];

describe('a visitor in their own language', () => {
  it.each(CASES)('$locale: status, a phone change card and who they are, all in $locale', async (c) => {
    const socket = await visitor(c.locale);
    expect((await ask(socket, c.status)).text).toMatch(c.says);
    expect((await ask(socket, c.who)).text).toMatch(c.whoSays);
    const start = socket.frames.length;
    socket.send({ type: 'message', clientId: `phone_${c.locale}_1`, text: c.phone });
    const card = await socket.next('confirm_request', () => true, 10_000, start);
    expect(card.summary).toMatch(c.card);
    const chip = socket.frames.slice(start).find((f) => f.type === 'tool');
    expect(chip?.type === 'tool' && chip.label).not.toMatch(/Updating your phone/);
    socket.send({ type: 'confirm', confirmId: card.confirmId, accept: false });
    const declined = await socket.next('message', (m) => m.role === 'assistant', 10_000, start);
    expect(declined.text).not.toMatch(/haven't changed/);
    socket.close();
  });

  it('answers bad input sensibly in the visitor language, never in English', async () => {
    for (const locale of ['es', 'ar']) {
      const socket = await visitor(locale, 'cus_bob');
      const english = /\b(the|you|your|Sorry|ticket is)\b/;
      for (const text of [
        '   ...?!  ',
        '🙂🙂🙂',
        'ما حالة T-2001 please 谢谢',
        `${'hola '.repeat(799)}hola`,
        '\u202eT-2001',
      ]) {
        const reply = await ask(socket, text);
        expect(reply.text.length).toBeGreaterThan(0);
        expect(reply.text.replace(/T-\d+|"[^"]*"|«[^»]*»|Deputy|\+[\d ]+/g, '')).not.toMatch(english);
      }
      socket.close();
    }
  });

  it('reads a Latin ticket id inside right-to-left text and finds the ticket', async () => {
    const socket = await visitor('ar', 'cus_bob');
    const reply = await ask(socket, 'هل من جديد بخصوص التذكرة T-2001 من فضلك؟');
    expect(reply.text).toMatch(/التذكرة T-2001/);
    socket.close();
  });

  it('finds a ticket named by its topic among the visitor own tickets', async () => {
    const socket = await visitor('en', 'cus_bob');
    const reply = await ask(socket, 'any news on my login problem?');
    expect(reply.text).toMatch(/Ticket T-2001 .* is \*\*pending\*\*/);
    const alice = await visitor('en', 'cus_alice');
    // Both of Alice's tickets are about an order: she is asked which one.
    const which = await ask(alice, 'any news about my order?');
    expect(which.text).toMatch(/T-1001.*T-1002.*Which ticket do you mean\?/s);
    const other = await ask(alice, 'T-1001');
    expect(other.text).toContain('T-1001');
    expect((await ask(alice, 'and the other one?')).text).toMatch(/Ticket T-1002 .* is \*\*solved\*\*/);
    socket.close();
    alice.close();
  });
});
