import { bootApp } from './boot.js';
import { DeputyError } from './errors.js';
import { readyMessage } from './sites/ready.js';

/** `npm start`: boot, listen, and drain on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const { app, config } = await bootApp();
  await app.listen({ host: config.host, port: config.port });
  const sites = [...config.sites.keys()].join(', ');
  app.log.info({ configFile: config.configFile ?? null, sites }, readyMessage(config, app.deputy.selfUrl()));
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal, drainTimeoutMs: config.limits.drainTimeoutMs }, 'draining');
    // A hard stop well after the drain deadline, in case closing itself hangs.
    const force = setTimeout(() => process.exit(1), config.limits.drainTimeoutMs + 10_000);
    force.unref();
    try {
      // The drain runs before app.close(): turns in flight still reach the MCP server over HTTP.
      const { finished } = await app.deputy.drain();
      app.log.info({ finished }, 'drained; closing');
      await app.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  const code = err instanceof DeputyError ? ` [${err.code}]` : '';
  console.error(`[deputy] failed to start${code}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
