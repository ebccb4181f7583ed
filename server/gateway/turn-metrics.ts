import type { TurnSink } from '../agent/loop.js';
import type { Metrics } from '../metrics.js';

/**
 * The sink of a turn, counting what the gateway sees pass through it: tool calls by tool and
 * outcome (with their latency from `running` to `done`/`error`) and confirmation outcomes.
 */
export function instrumentSink(metrics: Metrics, sink: TurnSink): TurnSink {
  const started = new Map<string, number>();
  return {
    ...sink,
    tool(callId, name, label, status) {
      if (status === 'running') {
        started.set(callId, performance.now());
      } else {
        const t0 = started.get(callId);
        started.delete(callId);
        metrics.toolCalls.inc({ tool: name, outcome: status });
        if (t0 !== undefined) metrics.toolSeconds.observe({ tool: name }, (performance.now() - t0) / 1000);
      }
      sink.tool(callId, name, label, status);
    },
    async confirm(card) {
      const answer = await sink.confirm(card);
      metrics.confirmations.inc({ outcome: typeof answer === 'string' ? answer : answer.outcome });
      return answer;
    },
  };
}
