/** One WebKit page: a WebDriver session on a MiniBrowser, with the seam's commands in W3C terms. */
import { writeFile } from 'node:fs/promises';
import { describeTarget, findExpression } from './locate.js';
import { callExpression, type E2EPage, EngineError, type Target } from './types.js';
import { pollUntil } from './wait.js';
import {
  ELEMENT_KEY,
  KEYS,
  keyActions,
  pointerClick,
  typingActions,
  type WebDriverClient,
} from './webdriver-http.js';

const SESSION_TIMEOUT_MS = 20_000;

export interface WebKitSessionOptions {
  binary: string;
  args: string[];
  /** The viewport wanted; the X screen the session runs on has exactly this size. */
  width: number;
  height: number;
  onClose(): void;
}

/** Opens a session (a new MiniBrowser with fresh storage) and returns the page driving it. */
export async function openWebKitPage(client: WebDriverClient, opts: WebKitSessionOptions): Promise<E2EPage> {
  const created = (await client
    .send(
      'POST',
      '/session',
      {
        capabilities: {
          alwaysMatch: { 'webkitgtk:browserOptions': { binary: opts.binary, args: opts.args } },
        },
      },
      // WebKitWebDriver waits for a browser that never connects (one that failed to start) without limit.
      SESSION_TIMEOUT_MS,
    )
    .catch((e: unknown) => {
      throw new EngineError('webkit', `the WebDriver session did not start: ${(e as Error).message}`);
    })) as { sessionId?: string };
  const id = created.sessionId;
  if (!id) throw new EngineError('webkit', 'the WebDriver session did not start: no session id');
  const s = `/session/${id}`;
  let open = true;
  await fitViewport(client, s, opts.width, opts.height).catch(async (e: unknown) => {
    await client.send('DELETE', s, undefined, 10_000).catch(() => undefined);
    throw e;
  });

  const element = async (target: Target): Promise<string> => {
    const ref = await pollUntil(
      { engine: 'webkit' },
      describeTarget(target),
      async () =>
        (await client.send('POST', `${s}/execute/sync`, {
          script: `return ${findExpression(target)}`,
          args: [],
        })) as Record<string, string> | null,
      (v) => v !== null && typeof v === 'object' && ELEMENT_KEY in v,
      10_000,
    );
    return (ref as Record<string, string>)[ELEMENT_KEY] as string;
  };
  const actions = async (body: unknown) => {
    await client.send('POST', `${s}/actions`, body);
    await client.send('DELETE', `${s}/actions`);
  };
  // execute/async: the page function may return a promise; a thrown error comes back as a message.
  const evaluate = async (expression: string): Promise<unknown> => {
    const script = `const done = arguments[arguments.length - 1];
Promise.resolve().then(() => ${expression}).then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: String((e && e.stack) || e) }));`;
    const out = (await client.send('POST', `${s}/execute/async`, { script, args: [] })) as {
      ok?: unknown;
      err?: string;
    };
    if (out && typeof out.err === 'string') throw new EngineError('webkit', `evaluate: ${out.err}`);
    return out?.ok;
  };

  const page: E2EPage = {
    engine: 'webkit',
    goto: async (url) => void (await client.send('POST', `${s}/url`, { url })),
    reload: async () => void (await client.send('POST', `${s}/refresh`, {})),
    back: async () => void (await client.send('POST', `${s}/back`, {})),
    forward: async () => void (await client.send('POST', `${s}/forward`, {})),
    url: async () => (await client.send('GET', `${s}/url`)) as string,
    async click(target) {
      // Element Click refuses elements in a shadow root ("click intercepted": the hit test finds the
      // host), so click where a visitor would: a pointer press at the centre of the element's box.
      const ref = await element(target);
      const box = (await client.send('POST', `${s}/execute/sync`, {
        script: `const el = arguments[0]; el.scrollIntoView({ block: 'center', inline: 'center' });
const r = el.getBoundingClientRect(); return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];`,
        args: [{ [ELEMENT_KEY]: ref }],
      })) as [number, number];
      await actions(pointerClick(box[0], box[1])).catch((e: unknown) => {
        throw new EngineError('webkit', `click ${describeTarget(target)}: ${(e as Error).message}`);
      });
    },
    async fill(target, text) {
      await page.click(target);
      const ref = await element(target);
      await client.send('POST', `${s}/execute/sync`, {
        script: 'arguments[0].select && arguments[0].select()',
        args: [{ [ELEMENT_KEY]: ref }],
      });
      await page.type(text);
    },
    type: (text) => actions(typingActions(text)),
    press: (chord) =>
      actions(
        keyActions(
          chord.split('+').map((k) => {
            const code = KEYS[k] ?? (k.length === 1 ? k : undefined);
            if (code === undefined) throw new EngineError('webkit', `press: unknown key ${k}`);
            return code;
          }),
        ),
      ),
    evaluate: async (fn, arg) => (await evaluate(callExpression(fn, arg))) as never,
    async screenshot(file) {
      const png = (await client.send('GET', `${s}/screenshot`)) as string;
      await writeFile(file, Buffer.from(png, 'base64'));
    },
    async close() {
      if (!open) return;
      open = false;
      opts.onClose();
      await client.send('DELETE', s, undefined, 10_000).catch(() => undefined);
    },
  };
  return page;
}

/**
 * MiniBrowser opens a 1024×768 window with a toolbar above the page, and there is no window manager
 * to make it full screen: size the window so that the page area (the viewport) is exactly the size
 * wanted. (webkit.ts shrinks the toolbar with GTK CSS so a phone's width is allowed.)
 */
async function fitViewport(client: WebDriverClient, s: string, width: number, height: number): Promise<void> {
  const size = async () => {
    const v = (await client.send('POST', `${s}/execute/sync`, {
      script: 'return [innerWidth, innerHeight, outerHeight]',
      args: [],
    })) as [number, number, number];
    return v;
  };
  await client.send('POST', `${s}/window/rect`, { x: 0, y: 0, width, height });
  const [, inner, outer] = await size();
  await client.send('POST', `${s}/window/rect`, { x: 0, y: 0, width, height: height + (outer - inner) });
  const got = await pollUntil(
    { engine: 'webkit' },
    `a ${width}×${height} viewport`,
    size,
    ([w, h]) => w === width && h === height,
    5_000,
  );
  if (got[0] !== width || got[1] !== height)
    throw new EngineError('webkit', `viewport is ${got[0]}×${got[1]}`);
}
