// When a browser cannot start or dies mid-test, the error names the engine and the cause, and every
// process the driver started is gone afterwards: no orphaned browsers, drivers or X displays.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium } from './chromium.js';
import { firefoxMissing, launchFirefox } from './firefox.js';
import { alive, groupMembers } from './procs.js';
import type { Engine } from './types.js';
import { pollUntil } from './wait.js';
import { launchWebKit, MINIBROWSER_PATH, webkitMissing } from './webkit.js';
import { startXvfb } from './xvfb.js';

// A test process that starts a display, reports its pid and waits to be killed.
const HOLD_A_DISPLAY = `import('./test/e2e/drivers/xvfb.ts').then(async ({ startXvfb }) => {
  const d = await startXvfb('webkit', 320, 240);
  process.stdout.write(d.pid + '\\n');
  setInterval(() => {}, 1000);
});`;

const gone = (pids: number[]) =>
  pollUntil(
    { engine: 'webkit' },
    `processes ${pids.join(',')} to exit`,
    async () => pids.filter(alive),
    (l) => l.length === 0,
    10_000,
  );

/** Kills the engine's browser processes hard (SIGKILL to each group), as a crash would. */
function crash(engine: Engine): number[] {
  const pids = engine.pids();
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
  return pids;
}

describe.skipIf(webkitMissing() !== null)('webkit failures', () => {
  it('reports a missing Xvfb with the engine and the path, and starts nothing', async () => {
    const engine = await launchWebKit({ xvfb: '/nonexistent/Xvfb' });
    await expect(engine.newPage()).rejects.toThrow(/^\[webkit\] \/nonexistent\/Xvfb is missing/);
    expect(engine.pids()).toEqual([]);
    await engine.close();
  });

  it('reports a session that fails to start, and stops the display and driver it started', async () => {
    const engine = await launchWebKit({ browser: '/bin/false' });
    await expect(engine.newPage()).rejects.toThrow(/^\[webkit\] the WebDriver session did not start/);
    const pids = engine.pids();
    expect(pids.length).toBe(2); // Xvfb and WebKitWebDriver, still up for the next page
    await engine.close();
    await gone(pids);
    expect(pids.flatMap(groupMembers)).toEqual([]);
  }, 40_000);

  it('reports a browser killed mid-test and leaves nothing running after close', async () => {
    const engine = await launchWebKit();
    const page = await engine.newPage();
    await page.goto('data:text/html,<p>before</p>');
    const [, driverPid] = engine.pids();
    // MiniBrowser is the driver's child in the driver's process group: kill just the browser.
    const browser = groupMembers(driverPid!).filter((p) => p !== driverPid);
    expect(browser.length).toBeGreaterThan(0);
    for (const pid of browser) process.kill(pid, 'SIGKILL');
    await expect(page.evaluate(() => document.title, null)).rejects.toThrow(/^\[webkit\] /);
    const pids = engine.pids();
    await engine.close();
    await gone(pids);
    expect(pids.flatMap(groupMembers)).toEqual([]);
  });

  it('stops an Xvfb it started, with its whole process group', async () => {
    const display = await startXvfb('webkit', 320, 240);
    expect(display.name).toMatch(/^:\d+$/);
    expect(alive(display.pid)).toBe(true);
    await display.stop();
    await gone([display.pid]);
  });

  it('takes Xvfb down when the test process itself is killed (no afterAll runs)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', HOLD_A_DISPLAY], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    await gone([pid]);
  });

  it('names MiniBrowser where the package installs it', () => {
    expect(MINIBROWSER_PATH).toMatch(/webkit2gtk-4\.1\/MiniBrowser$/);
  });
});

describe.skipIf(firefoxMissing() !== null)('firefox failures', () => {
  it('reports a browser that cannot be launched', async () => {
    await expect(launchFirefox('/nonexistent/firefox')).rejects.toThrow(
      /^\[firefox\] \/nonexistent\/firefox is not installed/,
    );
    await expect(launchFirefox('/bin/false')).rejects.toThrow(/^\[firefox\] launch failed/);
  });

  it('reports a browser killed mid-test and leaves nothing running after close', async () => {
    const engine = await launchFirefox();
    const page = await engine.newPage();
    await page.goto('data:text/html,<p>before</p>');
    const pids = crash(engine);
    expect(pids.length).toBeGreaterThan(0);
    await expect(page.evaluate(() => document.title, null)).rejects.toThrow(/^\[firefox\] /);
    await engine.close();
    await gone(pids);
    expect(pids.flatMap(groupMembers)).toEqual([]);
  });
});

describe.skipIf(chromiumMissing() !== null)('chromium failures', () => {
  it('reports a browser killed mid-test and leaves nothing running after close', async () => {
    const engine = await launchChromium();
    const page = await engine.newPage();
    await page.goto('data:text/html,<p>before</p>');
    const pids = engine.pids();
    expect(pids.length).toBe(1);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await expect(page.evaluate(() => document.title, null)).rejects.toThrow(/^\[chromium\] /);
    await engine.close();
    await gone(pids);
  });
});
