// WebKit: WebKitWebDriver serves one session at a time, yet a case may need two pages open at once
// (an operator and a visitor). Each gets a driver of its own, with its own storage; a closed page's
// driver serves the next page; closing the engine leaves nothing running.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupMembers } from './procs.js';
import { pollUntil } from './wait.js';
import { launchWebKit, webkitMissing } from './webkit.js';

const PAGE = '<!doctype html><title>two</title><label>Password <input type="password"></label>';

describe.skipIf(webkitMissing() !== null)('webkit pages open at once', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('webkit runs two pages at once, each with its own storage, and reuses a closed page’s driver', async () => {
    const engine = await launchWebKit();
    try {
      const [a, b] = [
        await engine.newPage({ width: 640, height: 480 }),
        await engine.newPage({ width: 640, height: 480 }),
      ];
      await a.goto(url);
      await b.goto(url);
      await a.evaluate(() => localStorage.setItem('who', 'a'), null);
      expect(await b.evaluate(() => localStorage.getItem('who'), null)).toBeNull();
      // Both stay live: typing in one does not disturb the other. A password box is a textbox.
      await a.fill({ role: 'textbox', name: 'Password' }, 'secret-a');
      await b.fill({ role: 'textbox', name: 'Password' }, 'secret-b');
      const value = () => document.querySelector('input')?.value;
      expect([await a.evaluate(value, null), await b.evaluate(value, null)]).toEqual([
        'secret-a',
        'secret-b',
      ]);
      const running = engine.pids().length; // one Xvfb, two drivers
      expect(running).toBe(3);
      await a.close();
      const c = await engine.newPage({ width: 640, height: 480 });
      await c.goto(url);
      expect(await c.evaluate(() => document.title, null)).toBe('two');
      expect(engine.pids().length).toBe(running);
    } finally {
      const pids = engine.pids();
      await engine.close();
      await pollUntil(
        { engine: 'webkit' },
        'every process of the engine to exit',
        async () => pids.flatMap(groupMembers),
        (left) => left.length === 0,
        10_000,
      );
    }
  }, 90_000);
});
