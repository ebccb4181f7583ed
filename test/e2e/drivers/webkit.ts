/**
 * The WebKit driver: Debian's WebKitGTK (webkit2gtk-driver's WebKitWebDriver and its MiniBrowser)
 * over plain W3C WebDriver, under a private Xvfb. WebKitGTK cannot emulate a viewport, so each
 * viewport size gets its own X screen of exactly that size and MiniBrowser runs full screen on it;
 * each page is a new WebDriver session (a new MiniBrowser: fresh storage). WebKitWebDriver serves one
 * session at a time, so pages open at once (an operator and a visitor) each hold a driver of their own.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnGroup, stopGroup } from './procs.js';
import { type E2EPage, type Engine, EngineError, type PageOptions } from './types.js';
import { pollUntil } from './wait.js';
import { type WebDriverClient, webDriverClient } from './webdriver-http.js';
import { openWebKitPage } from './webkit-page.js';
import { type Display, lastLine, startXvfb, XVFB_PATH } from './xvfb.js';

export const WEBKIT_DRIVER_PATH = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_PATH = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Why WebKit cannot run here, or null when it can. */
export function webkitMissing(): string | null {
  for (const [file, pkg] of [
    [WEBKIT_DRIVER_PATH, 'webkit2gtk-driver'],
    [MINIBROWSER_PATH, 'webkit2gtk-driver'],
    [XVFB_PATH, 'xvfb'],
  ] as const) {
    if (!existsSync(file)) return `${file} is not installed (apt-get install ${pkg})`;
  }
  return null;
}

export interface WebKitPaths {
  driver?: string;
  browser?: string;
  xvfb?: string;
}

const TOOLBAR_CSS =
  'window * { font-size: 1px; padding: 0; margin: 0; min-width: 0; min-height: 0; border-width: 0; }\n';

/** One X display per distinct viewport and motion setting, with the drivers running on it. */
interface Rig {
  display: Display;
  /** XDG_CONFIG_HOME for its drivers: the GTK settings that carry the motion preference. */
  configHome: string;
  /** Drivers with no session: WebKitWebDriver serves one session at a time, so each open page holds one. */
  idle: Driver[];
}

interface Driver {
  pid: number;
  client: WebDriverClient;
}

/** Launches nothing until the first page: then Xvfb + WebKitWebDriver for that page's viewport. */
export async function launchWebKit(paths: WebKitPaths = {}): Promise<Engine> {
  const driver = paths.driver ?? WEBKIT_DRIVER_PATH;
  const browser = paths.browser ?? MINIBROWSER_PATH;
  const xvfb = paths.xvfb ?? XVFB_PATH;
  for (const file of [driver, browser]) {
    if (!existsSync(file))
      throw new EngineError('webkit', `${file} is not installed (apt-get install webkit2gtk-driver)`);
  }
  const rigs = new Map<string, Promise<Rig>>();
  const pages = new Set<E2EPage>();
  const started: number[] = [];
  const home = mkdtempSync(path.join(tmpdir(), 'deputy-webkit-'));
  let closed = false;

  async function startRig(width: number, height: number, reduce: boolean): Promise<Rig> {
    const display = await startXvfb('webkit', width, height, xvfb);
    started.push(display.pid);
    // prefers-reduced-motion follows GTK's gtk-enable-animations, read from the driver's config home.
    const config = path.join(home, reduce ? 'reduce' : 'motion', 'gtk-3.0');
    mkdirSync(config, { recursive: true });
    writeFileSync(path.join(config, 'settings.ini'), `[Settings]\ngtk-enable-animations=${!reduce}\n`);
    // MiniBrowser's toolbar would keep the window wider than a phone: shrink it (web content is not
    // styled by GTK CSS, only the browser's own widgets are).
    writeFileSync(path.join(config, 'gtk.css'), TOOLBAR_CSS);
    return { display, configHome: path.dirname(config), idle: [] };
  }

  async function startDriver(rig: Rig): Promise<Driver> {
    const port = await freePort();
    const env = { ...process.env, DISPLAY: rig.display.name, XDG_CONFIG_HOME: rig.configHome };
    const proc = spawnGroup(driver, [`--port=${port}`, '--host=127.0.0.1'], env);
    started.push(proc.pid);
    const client = webDriverClient('webkit', `http://127.0.0.1:${port}`);
    try {
      await pollUntil(
        { engine: 'webkit' },
        'WebKitWebDriver to listen',
        async () => {
          if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
            throw new EngineError('webkit', `WebKitWebDriver exited at start${lastLine(proc.output())}`);
          }
          return client.send('GET', '/status', undefined, 1_000).then(
            () => true,
            () => false,
          );
        },
        Boolean,
        10_000,
      );
    } catch (e) {
      await stopGroup(proc.pid);
      throw e;
    }
    return { pid: proc.pid, client };
  }

  async function newPage(opts: PageOptions = {}): Promise<E2EPage> {
    if (closed) throw new EngineError('webkit', 'new page after close');
    const width = opts.width ?? 1280;
    const height = opts.height ?? 800;
    const reduce = opts.reducedMotion === 'reduce';
    const key = `${width}x${height}:${reduce}`;
    let pending = rigs.get(key);
    if (!pending) {
      pending = startRig(width, height, reduce);
      rigs.set(key, pending);
      pending.catch(() => rigs.delete(key));
    }
    const rig = await pending;
    // A second page open at once (an operator and a visitor) gets a driver of its own on the same screen.
    const held = rig.idle.pop() ?? (await startDriver(rig));
    const page = await openWebKitPage(held.client, {
      binary: browser,
      args: [
        '--automation',
        `--display=${rig.display.name}`,
        ...(opts.colorScheme === 'dark' ? ['--dark-mode'] : []),
      ],
      width,
      height,
      onClose: () => pages.delete(page),
    }).catch((e: unknown) => {
      rig.idle.push(held); // still up for the next page
      throw e;
    });
    // The driver is free again only once its session is deleted, not when closing starts.
    const close = page.close;
    page.close = async () => {
      await close();
      if (!closed && !rig.idle.includes(held)) rig.idle.push(held);
    };
    pages.add(page);
    return page;
  }

  return {
    name: 'webkit',
    version: `WebKitGTK ${webkitVersion()}`,
    newPage,
    pids: () => (closed ? [] : started.slice()),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...pages].map((p) => p.close()));
      const all = await Promise.allSettled(rigs.values());
      const screens = all.flatMap((r) => (r.status === 'fulfilled' ? [r.value.display] : []));
      // Drivers first (their browsers with them), then the displays they drew on.
      for (const pid of started) if (!screens.some((d) => d.pid === pid)) await stopGroup(pid);
      for (const d of screens) await d.stop();
      started.length = 0;
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The WebKitGTK version from Debian's package database (MiniBrowser --version needs a display). */
function webkitVersion(): string {
  try {
    const status = readFileSync('/var/lib/dpkg/status', 'utf8');
    const block = status.split('\n\n').find((b) => b.startsWith('Package: webkit2gtk-driver\n'));
    return /\nVersion: ([^\n]+)/.exec(block ?? '')?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A free TCP port on loopback (bound and released; the driver binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
