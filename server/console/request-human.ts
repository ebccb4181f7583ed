import type { Model, ModelEvent, ToolSpec } from '../agent/model.js';

/**
 * The control tool offered to LLM models (docs/console.md): not an MCP CRM tool, so it never
 * reaches the MCP server, carries no customer data and needs no scope. The wrapper answers it
 * itself: the handoff is requested and the step ends with a short reply to the visitor.
 */
export const REQUEST_HUMAN: ToolSpec = {
  name: 'request_human',
  description:
    'Hand this conversation to a person from the support team. Call it when the visitor asks for a human, or when you cannot help after trying. It is not a CRM tool and returns nothing; after it, say nothing more.',
  inputSchema: {
    type: 'object',
    properties: {
      reason: { type: 'string', maxLength: 200, description: 'Why a person is needed, in a few words' },
    },
    additionalProperties: false,
  },
  readOnly: true,
};

/** What the visitor reads when the model hands over (the widget adds the localized wait line). */
export const HANDED_OVER = "I've asked a person from our team to join this chat.";

/**
 * The model with `request_human` among its tools. The rules model is left alone: it hands over
 * through its own intent (server/console/handoff.ts) and has no use for tool descriptions.
 */
export function withRequestHuman(model: Model, onRequest: (reason: string) => Promise<void>): Model {
  if (model.name === 'rules') return model;
  return {
    name: model.name,
    async *step(req, signal) {
      const tools = req.tools.some((t) => t.name === REQUEST_HUMAN.name)
        ? req.tools
        : [...req.tools, REQUEST_HUMAN];
      for await (const event of model.step({ ...req, tools }, signal)) {
        if (event.type === 'tool_call' && event.call.name === REQUEST_HUMAN.name) {
          const reason =
            typeof event.call.args?.reason === 'string' ? event.call.args.reason.slice(0, 200) : '';
          await onRequest(reason);
          const end: ModelEvent[] = [
            { type: 'text', text: HANDED_OVER },
            { type: 'done', reason: 'stop' },
          ];
          yield* end;
          // Whatever else the model meant to do in this step is dropped: a person takes it from here.
          return;
        }
        yield event;
      }
    },
  };
}
