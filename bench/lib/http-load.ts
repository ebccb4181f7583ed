import http from 'node:http';
import type { LoopResult } from './sockets.js';

/**
 * POSTs `body` to `url` `total` times with `concurrency` requests in flight over keep-alive
 * connections; every response must be 200 and contain `expect`, or the call counts as an error.
 * Bounded in count (total) and time (deadlineMs).
 */
export async function postLoad(opts: {
  url: string;
  body: string;
  headers: Record<string, string>;
  total: number;
  concurrency: number;
  deadlineMs: number;
  expect: string;
}): Promise<LoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const target = new URL(opts.url);
  const headers = { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) };
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let started = 0;
  const t0 = performance.now();
  const stopAt = t0 + opts.deadlineMs;
  const once = () =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const req = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers, agent },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => {
            if (res.statusCode === 200 && text.includes(opts.expect))
              latenciesMs.push(performance.now() - start);
            else {
              errors++;
              firstError ??= `HTTP ${res.statusCode}: ${text.slice(0, 200)}`;
            }
            resolve();
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        errors++;
        firstError ??= err.message;
        resolve();
      });
      req.end(opts.body);
    });
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (started < opts.total && performance.now() < stopAt) {
        started++;
        await once();
      }
    }),
  );
  agent.destroy();
  return {
    completed: latenciesMs.length,
    errors,
    firstError,
    seconds: (performance.now() - t0) / 1000,
    latenciesMs,
  };
}
