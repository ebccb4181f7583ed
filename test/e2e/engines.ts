/**
 * Running a visitor case in every engine: `describeEngines(title, body)` declares one describe block
 * per engine, each with its own browser and demo server. An engine that is not installed skips with a
 * message naming it — except under CI=true, where it fails: CI never skips an engine.
 * DEPUTY_E2E_ENGINES=chromium,firefox narrows a local run to some engines.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../helpers/server.js';
import { chromiumMissing, launchChromium } from './drivers/chromium.js';
import { firefoxMissing, launchFirefox } from './drivers/firefox.js';
import type { Engine, EngineName } from './drivers/types.js';
import { launchWebKit, webkitMissing } from './drivers/webkit.js';

export const ENGINES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

const MISSING: Record<EngineName, () => string | null> = {
  chromium: chromiumMissing,
  firefox: firefoxMissing,
  webkit: webkitMissing,
};
const LAUNCH: Record<EngineName, () => Promise<Engine>> = {
  chromium: launchChromium,
  firefox: launchFirefox,
  webkit: launchWebKit,
};

/** Starts the named engine (rejects with an error naming it and the cause). */
export function launchEngine(name: EngineName): Promise<Engine> {
  return LAUNCH[name]();
}

/** The engines this run covers: all three unless DEPUTY_E2E_ENGINES names some. */
export function selectedEngines(env: NodeJS.ProcessEnv = process.env): EngineName[] {
  const wanted = env.DEPUTY_E2E_ENGINES?.split(',').map((s) => s.trim());
  return ENGINES.filter((e) => !wanted || wanted.includes(e));
}

/** What one engine's describe block gets: its browser and a demo server, live inside its tests. */
export interface EngineRun {
  readonly engine: Engine;
  /** Replaceable: the restart case swaps in the new server, which afterAll then stops. */
  server: TestServer;
  readonly name: EngineName;
}

/**
 * Declares `title [engine]` for each selected engine. The browser and a fresh demo server (own temp
 * database) start before the block's tests and stop after them, so no state leaks between engines.
 */
export function describeEngines(title: string, body: (run: EngineRun) => void): void {
  for (const name of selectedEngines()) {
    const missing = MISSING[name]();
    if (missing && process.env.CI === 'true') {
      describe(`${title} [${name}]`, () => {
        it(`runs in ${name}`, () => {
          throw new Error(`[${name}] ${missing}: CI runs every engine and never skips one`);
        });
      });
      continue;
    }
    if (missing) {
      console.warn(`[e2e] ${name} skipped: ${missing}`);
      describe.skip(`${title} [${name}] (skipped: ${missing})`, () => {
        body({ name } as EngineRun);
      });
      continue;
    }
    // 90 s a case: a WebKit page is a new MiniBrowser process, slow to start on a busy 2-core machine.
    describe(`${title} [${name}]`, { timeout: 90_000 }, () => {
      const run = { name } as { engine: Engine; server: TestServer; name: EngineName };
      beforeAll(async () => {
        const [server, engine] = await Promise.allSettled([startServer(), launchEngine(name)]);
        if (server.status === 'fulfilled') run.server = server.value;
        if (engine.status === 'fulfilled') run.engine = engine.value;
        if (engine.status === 'rejected') throw engine.reason;
        if (server.status === 'rejected') throw server.reason;
      });
      afterAll(async () => {
        await run.engine?.close();
        await run.server?.close();
        if (run.server) removeDataDir(run.server.dataDir);
      });
      body(run);
    });
  }
}
