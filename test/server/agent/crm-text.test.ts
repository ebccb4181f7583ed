import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanCrmText, crmLiteral, escapeMarkdown } from '../../../server/agent/crm-text.js';
import { type Block, type Inline, parseMarkdown } from '../../../widget/panel/markdown.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { sqliteOf } from '../../helpers/stores.js';
import { ask, signIn } from '../../helpers/ws-client.js';

/** What a visitor reads from the widget's rendering of a reply, and whether anything is a link. */
const inlineText = (i: Inline): string =>
  typeof i === 'string' ? i : i.t === 'code' ? i.v : i.t === 'a' ? i.c : i.c.map(inlineText).join('');
const rendered = (text: string) => {
  const blocks: Block[] = parseMarkdown(text);
  const lines = blocks.flatMap((b) => (b.t === 'p' ? b.lines : b.items));
  const nodes = JSON.stringify(lines);
  return {
    text: lines.map((l) => l.map(inlineText).join('')).join('\n'),
    formatted:
      nodes.includes('"t":"a"') ||
      nodes.includes('"t":"b"') ||
      nodes.includes('"t":"i"') ||
      nodes.includes('"t":"code"'),
  };
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to look for control characters.
const UNSAFE = /[\u0000-\u0008\u202a-\u202e\u2066-\u2069]/;

const HOSTILE = {
  link: '[Reset here](https://evil.example/login) password',
  js: '[click](javascript:alert(1)) and **bold** and `code`',
  html: '<img src=x onerror=alert(1)> <b>hi</b>',
  bidi: 'Refund \u202Egnp.exe\u202C done',
  nul: 'Broken\u0000 mug\u0007 \u0085here',
  huge: `Huge ${'x'.repeat(10_000)}`,
  bare: 'see https://evil.example/steal now',
};

describe('CRM text helpers (docs/threat-model.md D1–D4)', () => {
  it('removes controls and bidi overrides, keeps the visible order, and cuts long values with an ellipsis', () => {
    expect(cleanCrmText(HOSTILE.bidi)).toBe('Refund gnp.exe done');
    expect(cleanCrmText(HOSTILE.nul)).toBe('Broken mug here');
    const cut = cleanCrmText(HOSTILE.huge, 120);
    expect(cut).toHaveLength(120);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('escapes what the widget would format, and the widget shows it as typed', () => {
    for (const value of Object.values(HOSTILE).slice(0, 3).concat(HOSTILE.bare)) {
      const shown = rendered(`Ticket "${escapeMarkdown(value)}" is **open**.`);
      expect(shown.text).toContain(value);
      expect(JSON.stringify(parseMarkdown(escapeMarkdown(value)))).not.toMatch(/"t":"(a|b|i|code)"/);
    }
  });

  it('is idempotent on ordinary subjects', () => {
    expect(crmLiteral('Order #5512 arrived damaged')).toBe('Order #5512 arrived damaged');
  });
});

describe('hostile CRM records through a real conversation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    const db = sqliteOf(server.app.deputy.store);
    const insert = db.prepare(
      `INSERT INTO tickets (site_id, id, customer_id, subject, description, status, priority, created_at, updated_at)
       VALUES ('demo', ?, 'cus_bob', ?, 'x', 'open', 'normal', '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z')`,
    );
    for (const [i, subject] of Object.values(HOSTILE).entries()) insert.run(`T-${9001 + i}`, subject);
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  it('shows every hostile subject as literal text: no link, no formatting, no controls, long ones cut', async () => {
    const socket = await signIn(server, 'cus_bob');
    for (const [i, subject] of Object.values(HOSTILE).entries()) {
      const reply = await ask(socket, `status of T-${9001 + i}?`);
      const shown = rendered(reply.text);
      expect(shown.text).toContain(`T-${9001 + i}`);
      // What the subject says is shown (cut when huge), and nothing of it formats or links.
      expect(shown.text).toContain(cleanCrmText(subject).slice(0, 40));
      expect(JSON.stringify(parseMarkdown(reply.text))).not.toContain('"t":"a"');
      expect(shown.text).not.toMatch(UNSAFE);
      expect(reply.text.length).toBeLessThan(1500);
    }
    const list = await ask(socket, 'show me my tickets');
    expect(JSON.stringify(parseMarkdown(list.text))).not.toContain('"t":"a"');
    expect(rendered(list.text).text).toContain('[Reset here](https://evil.example/login) password');
    expect(rendered(list.text).text).toContain('Refund gnp.exe done');
    socket.close();
  });
});
