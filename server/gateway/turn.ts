import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { VisitorAgent } from '../agent/agent.js';
import { TurnWithdrawn } from '../agent/loop.js';
import type { Metrics } from '../metrics.js';
import { type ConversationStore, newId } from '../store/conversations.js';
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
  /** The visitor's locale, for the errors they see. */
  locale?: string;
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
  try {
    const history = await deps.conversations.recent(conversationId, 20);
    // Already answered (a queued duplicate of a resumed turn, or two messages answered at once).
    if (history.at(-1)?.role !== 'visitor') return;
    hub.startReply(conversationId, replyId);
    replying = true;
    const sink = instrumentSink(deps.metrics, {
      delta: (text: string) => hub.appendReply(conversationId, text),
      tool: (callId: string, name: string, label: string, status: 'running' | 'done' | 'error') =>
        hub.broadcast(conversationId, { type: 'tool', callId, name, label, status }),
      confirm: (card: { tool: string; summary: string; expiresAt: string }) =>
        hub.requestConfirm(conversationId, { confirmId: newId('cf'), ...card }),
    });
    const text = await agent.reply(history, sink, deps.control.signal);
    // Stored before it is marked complete: the final message frame is the completion.
    const { message } = await deps.conversations.append(conversationId, {
      role: 'assistant',
      text: text || '…',
      id: replyId,
    });
    hub.endReply(conversationId);
    hub.broadcast(conversationId, messageFrame(message));
    deps.metrics.turns.inc({ outcome: 'ok' });
    deps.metrics.turnSeconds.observe((performance.now() - started) / 1000);
  } catch (err) {
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
  }
}
