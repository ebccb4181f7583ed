import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one app (an instance, not prom-client's global registry, so tests can
 * run several apps side by side). Served at `/metrics`; names are documented in docs/operations.md.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly connections: Gauge;
  readonly connectionsRefused: Counter<'reason'>;
  readonly framesRejected: Counter<'code'>;
  readonly messages: Counter<'outcome'>;
  readonly turns: Counter<'outcome'>;
  readonly turnSeconds: Histogram;
  readonly toolCalls: Counter<'tool' | 'outcome'>;
  readonly toolSeconds: Histogram<'tool'>;
  readonly confirmations: Counter<'outcome'>;
  readonly modelErrors: Counter<'model' | 'retryable'>;
  readonly modelSeconds: Histogram<'model' | 'outcome'>;
  readonly budgetRefusals: Counter<'budget'>;
  readonly tokenRefusals: Counter<'reason'>;
  readonly httpSeconds: Histogram<'route' | 'status'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'deputy_' });
    this.connections = new Gauge({
      name: 'deputy_ws_connections',
      help: 'Open widget WebSocket connections',
      registers,
    });
    this.connectionsRefused = new Counter({
      name: 'deputy_ws_connections_refused_total',
      help: 'WebSocket connections refused or closed by a limit, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.framesRejected = new Counter({
      name: 'deputy_ws_frames_rejected_total',
      help: 'Inbound frames answered with an error, by wire error code',
      labelNames: ['code'],
      registers,
    });
    this.messages = new Counter({
      name: 'deputy_visitor_messages_total',
      help: 'Visitor messages, by outcome (stored, duplicate, refused)',
      labelNames: ['outcome'],
      registers,
    });
    this.turns = new Counter({
      name: 'deputy_turns_total',
      help: 'Visitor turns (one reply each), by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.turnSeconds = new Histogram({
      name: 'deputy_turn_duration_seconds',
      help: 'Time from the start of a turn to its stored reply',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.toolCalls = new Counter({
      name: 'deputy_tool_calls_total',
      help: 'Tool calls seen by the gateway, by tool and outcome (done, error)',
      labelNames: ['tool', 'outcome'],
      registers,
    });
    this.toolSeconds = new Histogram({
      name: 'deputy_tool_call_duration_seconds',
      help: 'Tool call latency as the gateway sees it (running to done or error)',
      labelNames: ['tool'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    this.confirmations = new Counter({
      name: 'deputy_confirmations_total',
      help: 'Confirm cards, by outcome (accepted, declined, expired)',
      labelNames: ['outcome'],
      registers,
    });
    this.modelErrors = new Counter({
      name: 'deputy_model_errors_total',
      help: 'Failed model steps (each attempt, retried or not), by model and whether retryable',
      labelNames: ['model', 'retryable'],
      registers,
    });
    this.modelSeconds = new Histogram({
      name: 'deputy_model_step_duration_seconds',
      help: 'Model step latency (one provider call, streamed to the end), by model and outcome',
      labelNames: ['model', 'outcome'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.budgetRefusals = new Counter({
      name: 'deputy_budget_refusals_total',
      help: 'Visitor messages or model steps refused by a per-visitor budget',
      labelNames: ['budget'],
      registers,
    });
    this.tokenRefusals = new Counter({
      name: 'deputy_visitor_token_refusals_total',
      help: 'Visitor tokens refused at hello, by reason (expired, bad_signature, wrong_audience, …)',
      labelNames: ['reason'],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: 'deputy_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }
}
