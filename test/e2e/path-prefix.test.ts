// The operator console in Chromium under a path prefix (docs/operations.md, "Under a path prefix"):
// nginx with the doc's locations strips `/deputy`; the console signs in, sees a visitor queued live
// over its socket, takes over and replies through its API, all under the prefix.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../helpers/server.js';
import { visitorToken } from '../helpers/tokens.js';
import { TestSocket } from '../helpers/ws-client.js';
import { freePort } from '../server/ops/child-server.js';
import { type Nginx, nginxMissing, prefixConfig, startNginx } from '../server/ops/nginx.js';
import {
  openConversation,
  REPLY_BOX,
  SEND_REPLY,
  signInConsole,
  TAKE_OVER,
  transcript,
} from './console-page.js';
import { chromiumMissing, launchChromium } from './drivers/chromium.js';
import type { Engine } from './drivers/types.js';
import { pollUntil } from './drivers/wait.js';

const missing = nginxMissing() ?? chromiumMissing();
if (missing && process.env.CI === 'true')
  throw new Error(`CI=true but ${missing}: this e2e never skips in CI`);
if (missing) console.warn(`path-prefix console e2e skipped: ${missing}`);

describe.skipIf(missing !== null)('the console under a path prefix, in Chromium', () => {
  let server: TestServer;
  let lb: Nginx;
  let engine: Engine;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}/deputy`;
    server = await startServer({ env: { DEPUTY_PUBLIC_URL: base } });
    const node = (server.app.server.address() as AddressInfo).port;
    lb = await startNginx(port, prefixConfig(port, node), '/deputy/readyz');
    engine = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await engine?.close();
    await lb?.stop();
    await server?.close();
    if (server) removeDataDir(server.dataDir);
  });

  it('signs in, sees a visitor queued live, takes over and replies', { timeout: 90_000 }, async () => {
    const page = await engine.newPage({ width: 1280, height: 800 });
    await signInConsole(page, base);
    expect(await page.url()).toBe(`${base}/console`);

    const alice = await TestSocket.open(base);
    alice.send({ type: 'hello', v: 1, site: 'demo', token: await visitorToken(server, 'cus_alice') });
    await alice.next('welcome', () => true, 10_000);
    alice.send({ type: 'message', clientId: 'prefix_e2e_0001', text: 'I want to talk to a person' });
    // Listed without a reload: the console's socket (under the prefix) told it.
    await openConversation(page, 'Alice Martin');
    await page.click(TAKE_OVER);
    await page.fill(REPLY_BOX, 'Hello Alice, Sam here.');
    await page.click(SEND_REPLY);
    const reply = await alice.next('message', (m) => m.role === 'operator', 15_000);
    expect(reply.text).toBe('Hello Alice, Sam here.');
    await pollUntil(
      page,
      'the reply in the transcript',
      () => transcript(page),
      (lines) => lines.includes('Hello Alice, Sam here.'),
    );
    await page.screenshot('test-results/screenshots/console-path-prefix.png');
    alice.close();
    await page.close();
  });
});
