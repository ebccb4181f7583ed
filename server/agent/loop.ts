import { StepSignals } from './linked-signal.js';
import { loopError } from './loop-errors.js';
import { loopReplies } from './loop-replies.js';
import type { CrmTools } from './mcp-client.js';
import {
  type ChatMessage,
  type Model,
  ModelError,
  ModelRefused,
  type ModelRequest,
  type ToolCall,
  type ToolResultForModel,
  type ToolSpec,
} from './model.js';
import { runModelStep } from './model-step.js';
import { runToolCall, type ToolRunContext } from './tool-runner.js';

/** Caps per visitor turn (docs/architecture.md §5) and the provider retry policy. */
export interface TurnLimits {
  maxSteps: number;
  maxToolCalls: number;
  /** Tool errors handed back to the model before it must answer without tools. */
  maxToolErrors: number;
  stepTimeoutMs: number;
  toolTimeoutMs: number;
  maxRetries: number;
  backoffMs: number;
  maxBackoffMs: number;
}

export const LIMITS: TurnLimits = {
  maxSteps: 6,
  maxToolCalls: 4,
  maxToolErrors: 2,
  stepTimeoutMs: 60_000,
  toolTimeoutMs: 10_000,
  maxRetries: 2,
  backoffMs: 500,
  maxBackoffMs: 8_000,
};

export type ConfirmOutcome = 'accepted' | 'declined' | 'expired' | 'withdrawn';

/**
 * The visitor's answer to a card. With `result`, the confirmed call was already made where the
 * click arrived (possibly another node, docs/scaling.md) and the loop uses its result instead of
 * calling again.
 */
export interface ConfirmAnswer {
  outcome: ConfirmOutcome;
  result?: ToolResultForModel;
}

/**
 * A turn that ended because its confirm card was withdrawn (the visitor wrote again, or a restart):
 * nothing is stored for it; the visitor's newer message gets the answer.
 */
export class TurnWithdrawn extends Error {
  constructor() {
    super('the confirm card of this turn was withdrawn');
    this.name = 'TurnWithdrawn';
  }
}

export interface TurnSink {
  delta(text: string): void;
  tool(callId: string, name: string, label: string, status: 'running' | 'done' | 'error'): void;
  /**
   * Shows a confirm card and resolves with the visitor's answer (or `expired` after `expiresAt`).
   * The signed confirmation state stays with the caller; only the summary reaches the widget.
   */
  confirm(card: {
    tool: string;
    summary: string;
    expiresAt: string;
    /** The write as asked, and the MCP server's signed state (stored, never shown). */
    args: Record<string, unknown>;
    state: string;
  }): Promise<ConfirmOutcome | ConfirmAnswer>;
  /**
   * The result of this very write if it was already confirmed and made for the message this turn
   * answers (its card was clicked after the node that showed it died, docs/scaling.md), else null.
   */
  settled?(tool: string, args: Record<string, unknown>): Promise<ToolResultForModel | null>;
}

export interface TurnInput {
  model: Model;
  tools: CrmTools;
  toolSpecs: readonly ToolSpec[];
  system: string;
  history: readonly ChatMessage[];
  visitor: ModelRequest['visitor'];
  sink: TurnSink;
  signal: AbortSignal;
  limits?: Partial<TurnLimits>;
  /** Where a failed model step is reported (status and type only: provider bodies may echo the prompt, L4). */
  log?: { warn(obj: object, msg: string): void };
}

/** Replies the loop itself gives, in English (loop-replies.ts has every locale). */
export const LOOP_REPLIES = loopReplies('en');

/**
 * Runs one visitor turn: model step, tool calls through MCP, results back, until the model replies
 * or a cap is hit. Returns the full reply text (also streamed through `sink.delta`).
 */
export async function runTurn(input: TurnInput): Promise<string> {
  const limits = { ...LIMITS, ...input.limits };
  const messages: ChatMessage[] = [...input.history];
  const ctx: ToolRunContext = {
    tools: input.tools,
    specs: new Map(input.toolSpecs.map((s) => [s.name, s])),
    sink: input.sink,
    toolTimeoutMs: limits.toolTimeoutMs,
    settledWrites: new Map(),
    locale: input.visitor.locale,
  };
  const replies = loopReplies(input.visitor.locale);
  let toolCalls = 0;
  let toolErrors = 0;
  let reply = '';
  const say = (text: string) => {
    const joined = reply && !/\s$/.test(reply) ? `\n\n${text}` : text;
    input.sink.delta(joined);
    reply += joined;
    return reply;
  };
  // One AbortController serves the turn's model steps (linked-signal.ts).
  const stepSignals = new StepSignals(input.signal);
  try {
    for (let step = 0; step < limits.maxSteps; step++) {
      // Past a cap the model is asked for a plain answer: it may call no more tools.
      const toolsOpen = toolCalls < limits.maxToolCalls && toolErrors < limits.maxToolErrors;
      const req: ModelRequest = {
        system: input.system,
        messages,
        tools: input.toolSpecs,
        toolChoice: toolsOpen ? 'auto' : 'none',
        visitor: input.visitor,
      };
      let out: Awaited<ReturnType<typeof runModelStep>>;
      try {
        out = await runModelStep(
          input.model,
          req,
          limits,
          (t) => input.sink.delta(t),
          input.signal,
          stepSignals,
        );
      } catch (err) {
        if (input.signal.aborted || err instanceof ModelRefused) throw err;
        const e = err instanceof ModelError ? err : null;
        input.log?.warn(
          {
            model: input.model.name,
            status: e?.status,
            retryable: e?.retryable,
            reason: e?.message ?? 'unknown',
          },
          'model step failed',
        );
        return say(replies.unavailable);
      }
      reply += out.text;
      if (out.calls.length === 0) return reply || say(replies.cap);
      if (!toolsOpen) return say(replies.cap);
      messages.push({ role: 'assistant', text: out.text, toolCalls: out.calls });
      const allowed = out.calls.slice(0, limits.maxToolCalls - toolCalls);
      toolCalls += allowed.length;
      const results = await runCalls(allowed, ctx);
      if ([...results.values()].some(isWithdrawn)) throw new TurnWithdrawn();
      for (const call of out.calls) {
        const result = results.get(call) ?? loopError('tool_limit');
        if (result.isError) toolErrors++;
        messages.push({ role: 'tool', callId: call.id, name: call.name, result });
      }
    }
    return say(replies.cap);
  } finally {
    stepSignals.dispose();
  }
}

function isWithdrawn(result: ToolResultForModel): boolean {
  return (result.data?.error as { code?: unknown } | undefined)?.code === 'withdrawn';
}

/**
 * Reads run together; writes run one at a time after them, each behind its own confirmation (W5).
 * Every call gets a result, so provider transcripts stay valid (docs/agent.md Q1.4, Q2.3).
 */
async function runCalls(calls: ToolCall[], ctx: ToolRunContext): Promise<Map<ToolCall, ToolResultForModel>> {
  const results = new Map<ToolCall, ToolResultForModel>();
  const isRead = (c: ToolCall) => ctx.specs.get(c.name)?.readOnly !== false;
  await Promise.all(
    calls.filter(isRead).map(async (c) => {
      results.set(c, await runToolCall(c, ctx));
    }),
  );
  for (const c of calls.filter((c) => !isRead(c))) results.set(c, await runToolCall(c, ctx));
  return results;
}
