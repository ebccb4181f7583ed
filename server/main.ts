import { bootApp } from './boot.js';

/** `npm start`: boot, listen, and drain on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const { app, config } = await bootApp();
  await app.listen({ host: config.host, port: config.port });
  app.log.info(`Deputy is ready: ${app.deputy.selfUrl()}/ (demo logins: /?as=alice, /?as=bob, /?as=guest)`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`[deputy] failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
