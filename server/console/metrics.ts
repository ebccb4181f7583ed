import { Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Handoff metrics on the app's registry (docs/console.md): how many wait, how many operators are
 * online, and how long a visitor waited for the first human reply after asking.
 */
export function handoffMetrics(
  registry: Registry,
  read: { queueLength(): Promise<number>; operatorsOnline(): number },
): { firstReplySeconds: Histogram } {
  const registers = [registry];
  new Gauge({
    name: 'deputy_handoff_queue_length',
    help: 'Open conversations waiting for a person',
    registers,
    async collect() {
      this.set(await read.queueLength());
    },
  });
  new Gauge({
    name: 'deputy_operators_online',
    help: 'Operators with the console open on this node',
    registers,
    collect() {
      this.set(read.operatorsOnline());
    },
  });
  const firstReplySeconds = new Histogram({
    name: 'deputy_handoff_first_reply_seconds',
    help: 'From joining the queue to the first operator reply',
    buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers,
  });
  return { firstReplySeconds };
}
