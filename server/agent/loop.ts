import type { CrmTools } from './mcp-client.js';
import type { ChatMessage, Model, ModelRequest, ToolCall, ToolSpec } from './model.js';
import { toModelResult, toolLabel } from './tool-results.js';

/** Caps per visitor turn (DESIGN §5). */
export const LIMITS = { maxSteps: 6, maxToolCalls: 4, stepTimeoutMs: 60_000, toolTimeoutMs: 10_000 };

export type ConfirmOutcome = 'accepted' | 'declined' | 'expired';

export interface TurnSink {
  delta(text: string): void;
  tool(callId: string, name: string, label: string, status: 'running' | 'done' | 'error'): void;
  /**
   * Shows a confirm card and resolves with the visitor's answer (or `expired` after `expiresAt`).
   * The signed confirmation state stays with the caller; only the summary reaches the widget.
   */
  confirm(card: { tool: string; summary: string; expiresAt: string }): Promise<ConfirmOutcome>;
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
}

const CAP_REPLY =
  "I'm sorry, I couldn't finish that. Would you like me to open a ticket so a person from our team can follow up?";

/**
 * Runs one visitor turn: model step, tool calls through MCP, results back, until the model
 * replies or a cap is hit. Returns the full reply text (also streamed through `sink.delta`).
 */
export async function runTurn(input: TurnInput): Promise<string> {
  const messages: ChatMessage[] = [...input.history];
  let toolCalls = 0;
  let reply = '';
  for (let step = 0; step < LIMITS.maxSteps; step++) {
    const calls: ToolCall[] = [];
    let text = '';
    const signal = AbortSignal.any([input.signal, AbortSignal.timeout(LIMITS.stepTimeoutMs)]);
    const req: ModelRequest = {
      system: input.system,
      messages,
      tools: input.toolSpecs,
      visitor: input.visitor,
    };
    for await (const ev of input.model.step(req, signal)) {
      if (ev.type === 'text') {
        text += ev.text;
        input.sink.delta(ev.text);
      } else if (ev.type === 'tool_call') {
        calls.push(ev.call);
      }
    }
    reply += text;
    if (calls.length === 0) return reply;
    messages.push({ role: 'assistant', text, toolCalls: calls });
    for (const call of calls) {
      if (toolCalls >= LIMITS.maxToolCalls) {
        messages.push({
          role: 'tool',
          callId: call.id,
          name: call.name,
          result: { isError: true, text: 'Tool call limit reached for this turn.', data: null },
        });
        continue;
      }
      toolCalls++;
      messages.push(await runTool(call, input));
    }
  }
  input.sink.delta(CAP_REPLY);
  return reply + CAP_REPLY;
}

async function runTool(call: ToolCall, input: TurnInput): Promise<ChatMessage> {
  const label = toolLabel(call.name, call.args);
  input.sink.tool(call.id, call.name, label, 'running');
  if (call.args === null) {
    input.sink.tool(call.id, call.name, label, 'error');
    return {
      role: 'tool',
      callId: call.id,
      name: call.name,
      result: { isError: true, text: 'The arguments were not valid JSON.', data: null },
    };
  }
  try {
    const result = toModelResult(await input.tools.callTool(call.name, call.args));
    input.sink.tool(call.id, call.name, label, result.isError ? 'error' : 'done');
    return { role: 'tool', callId: call.id, name: call.name, result };
  } catch {
    input.sink.tool(call.id, call.name, label, 'error');
    return {
      role: 'tool',
      callId: call.id,
      name: call.name,
      result: { isError: true, text: 'The tool could not be reached.', data: null },
    };
  }
}
