import module from 'node:module';
import { bootApp } from './boot.js';
import { DeputyError } from './errors.js';
import { readyMessage } from './sites/ready.js';

/** Exit status of a stop that did not drain: the shell's 128 + signal number. */
const SIGNAL_STATUS = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_STATUS;

/**
 * `npm start` / `node dist/server/main.mjs`: boot, listen, and stop on SIGTERM/SIGINT.
 *
 * Exit status says how it stopped (docs/operations.md, "Stopping"): 0 after a complete drain;
 * 130/143 when a signal came during start-up (nothing was served; start-up stops at its next
 * step, and migrations are one transaction so none is left half-done) or when a second signal cut
 * the drain short; 1 when start-up or the shutdown failed.
 */
async function main(): Promise<void> {
  let signals = 0;
  // Until the server is ready a signal only records itself: start-up ends at a safe point.
  let onStop = (signal: StopSignal, count: number) => {
    process.stderr.write(`[deputy] ${signal} during start-up: stopping before serving\n`);
    if (count > 1) process.exit(SIGNAL_STATUS[signal]);
    stopDuringStartup = signal;
  };
  let stopDuringStartup: StopSignal | null = null;
  for (const signal of Object.keys(SIGNAL_STATUS) as StopSignal[]) {
    process.on(signal, () => onStop(signal, ++signals));
  }

  const { app, config } = await bootApp();
  const stopUnready = async (signal: StopSignal) => {
    app.log.warn({ signal }, 'stopped during start-up; nothing was served');
    await app.close();
    process.exit(SIGNAL_STATUS[signal]);
  };
  if (stopDuringStartup) return stopUnready(stopDuringStartup);
  await app.listen({ host: config.host, port: config.port });
  if (stopDuringStartup) return stopUnready(stopDuringStartup);
  const sites = [...config.sites.keys()].join(', ');
  app.log.info({ configFile: config.configFile ?? null, sites }, readyMessage(config, app.deputy.selfUrl()));
  // V8's compile cache (turned on by the bundle's entry, server/bundle-main.ts) is written at exit;
  // writing it soon after start-up, with everything start-up compiled, keeps it for the next start
  // even when this process is killed rather than stopped. Not at once: the write is synchronous and
  // the first requests come now (Node >= 22.10; without the cache this does nothing).
  const flushCompileCache = (module as { flushCompileCache?: () => void }).flushCompileCache;
  if (flushCompileCache) setTimeout(flushCompileCache, 1000).unref();

  onStop = (signal, count) => {
    if (count > 1) {
      // The operator insists: close now. Sockets still get 1012 and the database closes cleanly.
      app.log.warn({ signal }, 'second signal: closing without waiting for turns in flight');
      app.close().finally(() => process.exit(SIGNAL_STATUS[signal]));
      setTimeout(() => process.exit(SIGNAL_STATUS[signal]), 5000).unref();
      return;
    }
    app.log.info({ signal, drainTimeoutMs: config.limits.drainTimeoutMs }, 'draining');
    // A hard stop well after the drain deadline, in case closing itself hangs.
    setTimeout(() => process.exit(1), config.limits.drainTimeoutMs + 10_000).unref();
    // The drain runs before app.close(): turns in flight still reach the MCP server over HTTP.
    app.deputy
      .drain()
      .then(async ({ finished }) => {
        app.log.info({ finished }, 'drained; closing');
        await app.close();
        app.log.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  signals = 0;
}

main().catch((err: unknown) => {
  const code = err instanceof DeputyError ? ` [${err.code}]` : '';
  console.error(`[deputy] failed to start${code}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
