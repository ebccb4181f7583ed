import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { VisitorAgent } from '../agent/agent.js';
import { linkedSignal } from '../agent/linked-signal.js';
import { TurnWithdrawn } from '../agent/loop.js';
import type { Metrics } from '../metrics.js';
import { type ConversationStore, newId } from '../store/conversations.js';
import { TAIL_MESSAGES } from '../store/tails.js';
import { turnMark } from '../turn-trace.js';
import type { GatewayControl } from './control.js';
import { messageFrame } from './frames.js';
import type { ConversationHub } from './hub.js';
import { turnFailure } from './turn-failure.js';
import { instrumentSink } from './turn-metrics.js';
import { wireMessage } from './wire-text.js';

export interface TurnDeps {
  hub: ConversationHub;
  conversations: ConversationStore;
  metrics: Metrics;
  control: GatewayControl;
  log: FastifyBaseLogger;
  /** Who answers: the bot, or a person (server/console/handoff.ts); absent = always the bot. */
  guard?: TurnGuard;
  /** The visitor's locale, for the errors they see. */
  locale?: string;
}

/**
 * The handoff seam (docs/architecture.md §10): the bot answers only conversations it owns. Checked
 * before the turn, and a turn running when ownership moves is silenced (its signal aborted).
 */
export interface TurnGuard {
  /**
   * The conversation as the guard reads it before a turn (null: no such row). Read first, so its
   * `lastSeq` also tells the store whether its kept tail is current: one read serves both.
   */
  read?(conversationId: string): Promise<{ lastSeq: number } | null>;
  /**
   * May the bot answer this visitor message? May hand the conversation to a person instead. `state`
   * is what `read` just returned, when it did.
   */
  beforeTurn(
    conversationId: string,
    visitorText: string,
    state?: { lastSeq: number } | null,
  ): Promise<boolean>;
  /** Registers a running turn; `silence` is called if a person takes the conversation meanwhile. */
  track(conversationId: string, silence: () => void): () => void;
  /** How the turn went: the fail-twice and outage triggers. */
  afterTurn(
    conversationId: string,
    outcome: { reply: string; toolErrors: number } | { failed: string },
  ): Promise<void>;
}

/**
 * Answers the latest visitor message of a conversation: streams the reply, tool chips and confirm
 * cards to every socket showing it, stores the reply before the frame that completes it, and turns
 * any failure into a coded error frame with a correlation id (details only in the log).
 */
export async function answerTurn(deps: TurnDeps, conversationId: string, agent: VisitorAgent): Promise<void> {
  const { hub } = deps;
  const replyId = newId('msg');
  const started = performance.now();
  let replying = false;
  let toolErrors = 0;
  let silenced = false;
  let untrack: (() => void) | undefined;
  // The reply stops when the process drains or a person takes the conversation (silenced: the one
  // signal is aborted directly, rather than through a second AbortController it follows).
  const stop = linkedSignal([deps.control.signal]);
  turnMark(conversationId, 'started');
  try {
    const state = deps.guard?.read ? await deps.guard.read(conversationId) : undefined;
    // The model's context: as many as the store keeps per conversation (from memory when the tail
    // ends at the last_seq just read).
    const history = await deps.conversations.recent(conversationId, TAIL_MESSAGES, state?.lastSeq);
    // Already answered (a queued duplicate of a resumed turn, or two messages answered at once).
    const last = history.at(-1);
    if (last?.role !== 'visitor') return;
    if (deps.guard && !(await deps.guard.beforeTurn(conversationId, last.text, state))) return;
    untrack = deps.guard?.track(conversationId, () => {
      silenced = true;
      stop.abort();
    });
    hub.startReply(conversationId, replyId);
    replying = true;
    const sink = instrumentSink(deps.metrics, {
      delta: (text: string) => hub.appendReply(conversationId, text),
      tool: (callId: string, name: string, label: string, status: 'running' | 'done' | 'error') => {
        if (status === 'error') toolErrors++;
        turnMark(conversationId, status === 'running' ? 'tool' : 'toolDone');
        hub.broadcast(conversationId, { type: 'tool', callId, name, label, status });
      },
      confirm: (card) =>
        hub.requestConfirm(conversationId, { confirmId: newId('cf'), forSeq: last.seq, ...card }),
      // A write whose card was already clicked (after its node died) is not asked again.
      settled: (tool, args) => hub.confirms.settled(conversationId, last.seq, tool, args),
    });
    // Status lines ("Sam joined") are for the widget, never the model.
    const transcript = history.filter((m) => m.role !== 'status');
    turnMark(conversationId, 'agent');
    const text = await agent.reply(transcript, sink, stop.signal);
    turnMark(conversationId, 'replied');
    // Stored before it is marked complete: the final message frame is the completion.
    const { message } = await deps.conversations.append(conversationId, {
      role: 'assistant',
      text: text || '…',
      id: replyId,
    });
    hub.endReply(conversationId);
    hub.broadcast(conversationId, messageFrame(message));
    turnMark(conversationId, 'done');
    deps.metrics.turns.inc({ outcome: 'ok' });
    deps.metrics.turnSeconds.observe((performance.now() - started) / 1000);
    await deps.guard?.afterTurn(conversationId, { reply: text, toolErrors });
  } catch (err) {
    if (silenced && !deps.control.signal.aborted) return keepSilent(deps, conversationId, replying);
    if (replying) hub.endReply(conversationId);
    if (err instanceof TurnWithdrawn) {
      // The card says "Nothing was changed"; the visitor's newer message (or the next process) answers.
      deps.metrics.turns.inc({ outcome: 'withdrawn' });
      return;
    }
    const failure = turnFailure(err);
    deps.metrics.turns.inc({ outcome: failure.code });
    if (failure.code === 'model_unavailable') deps.metrics.modelErrors.inc();
    const ref = randomBytes(4).toString('hex');
    deps.log[failure.code === 'internal' ? 'error' : 'warn']({ err, ref }, 'turn failed');
    hub.broadcast(conversationId, {
      type: 'error',
      code: failure.code,
      message: wireMessage(failure.code, deps.locale),
      ref,
      ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
    });
    await deps.guard?.afterTurn(conversationId, { failed: failure.code }).catch(() => {});
  } finally {
    stop.dispose();
    untrack?.();
  }
}

/**
 * A person took the conversation mid-turn: the bot stops. What the widget already saw of the reply
 * is stored (it was said); an empty reply is closed with an empty delta-less end so nothing dangles.
 */
async function keepSilent(deps: TurnDeps, conversationId: string, replying: boolean): Promise<void> {
  if (!replying) return;
  const shown = deps.hub.inflight(conversationId);
  deps.hub.endReply(conversationId);
  if (shown?.text) {
    const { message } = await deps.conversations.append(conversationId, {
      role: 'assistant',
      text: shown.text,
      id: shown.id,
    });
    deps.hub.broadcast(conversationId, messageFrame(message));
  } else if (shown) {
    deps.hub.broadcast(conversationId, { type: 'reply_end', id: shown.id });
  }
}
