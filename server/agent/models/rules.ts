import type { ChatMessage, Model, ModelEvent, ModelRequest, ToolCall } from '../model.js';
import { intentClassifier } from './rules/classifier.js';
import { decide } from './rules/decide.js';
import { replyFor } from './rules/replies.js';
import { stringsFor } from './rules/strings.js';
import { afterTopicSearch } from './rules/topic-step.js';

export { findTicketId } from './rules/slots.js';

/**
 * The offline default model (docs/architecture.md §5): high-precision rules, then a small trained classifier with
 * a confidence threshold, slots from libphonenumber-js and a ticket-id pattern, and multi-turn slot
 * filling recovered from the stored conversation. It never takes a customer id from text: tools act
 * for the token's subject only, and no tool it calls has a customer field.
 */
export class RulesModel implements Model {
  readonly name = 'rules';
  #calls = 0;

  /** Trains the classifier now rather than on the first visitor message. */
  async warm(): Promise<void> {
    await intentClassifier();
  }

  async *step(req: ModelRequest, _signal?: AbortSignal): AsyncIterable<ModelEvent> {
    const last = req.messages.at(-1);
    const followUp = last?.role === 'tool' ? await afterTopicSearch(req) : null;
    if (last?.role === 'tool' && !followUp) {
      yield { type: 'text', text: replyFromResults(req) };
      yield { type: 'done', reason: 'stop' };
      return;
    }
    const text = last?.role === 'user' ? last.text : '';
    const action = followUp ?? (await decide(req, text));
    if ('say' in action) {
      yield { type: 'text', text: action.say };
      yield { type: 'done', reason: 'stop' };
      return;
    }
    if (req.toolChoice === 'none') {
      // The loop closed the tools (a cap): answer without them.
      yield { type: 'text', text: stringsFor(req.visitor.locale).generic };
      yield { type: 'done', reason: 'stop' };
      return;
    }
    this.#calls += 1;
    const call: ToolCall = {
      id: `rules_${this.#calls}`,
      name: action.call,
      args: action.args,
      rawArgs: JSON.stringify(action.args),
    };
    yield { type: 'tool_call', call };
    yield { type: 'done', reason: 'tool_calls' };
  }
}

/** The reply to the tool results that end the transcript, one paragraph per call. */
function replyFromResults(req: ModelRequest): string {
  const s = stringsFor(req.visitor.locale);
  const results: Extract<ChatMessage, { role: 'tool' }>[] = [];
  let i = req.messages.length - 1;
  for (; i >= 0; i--) {
    const m = req.messages[i];
    if (m?.role !== 'tool') break;
    results.unshift(m);
  }
  const asked = req.messages[i];
  const argsOf = (id: string) =>
    asked?.role === 'assistant' ? (asked.toolCalls?.find((c) => c.id === id)?.args ?? null) : null;
  return results
    .map((m) => replyFor(m.name, argsOf(m.callId), m.result, s, req.visitor.anonymous))
    .join('\n\n');
}
