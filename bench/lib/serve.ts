import type { ChildMessage } from './child.js';

/**
 * The child side of `startChild`: reports readiness, answers memory probes (after full GCs, so
 * the figure is live memory rather than garbage not yet collected) and stops on request.
 */
export function serveParent(
  ready: { url: string; dataDir?: string; visitorToken?: string },
  stop: () => Promise<void>,
  statements?: () => number,
): void {
  const send = (m: ChildMessage) => process.send?.(m);
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'statements') {
      send({ type: 'statements', count: statements?.() ?? -1 });
    } else if (m.type === 'memory') {
      void (async () => {
        for (let i = 0; i < 3; i++) {
          globalThis.gc?.();
          await new Promise((r) => setTimeout(r, 50));
        }
        const u = process.memoryUsage();
        send({
          type: 'memory',
          rss: u.rss,
          heapUsed: u.heapUsed,
          external: u.external,
          arrayBuffers: u.arrayBuffers,
        });
      })();
    } else if (m.type === 'stop') {
      const force = setTimeout(() => process.exit(0), 10_000);
      force.unref();
      stop().finally(() => process.exit(0));
    }
  });
  // An orphaned server (the parent crashed) must not outlive the benchmark.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', ...ready });
}
