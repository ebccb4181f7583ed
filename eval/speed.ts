import type { ChatMessage, ModelEvent, ToolSpec } from '../server/agent/model.js';
import { RulesModel } from '../server/agent/models/rules.js';

const TOOLS: ToolSpec[] = [
  'get_customer_info',
  'get_ticket_status',
  'list_my_tickets',
  'update_phone_number',
  'create_ticket',
  'add_ticket_comment',
].map((name) => ({
  name,
  description: name,
  inputSchema: { type: 'object', properties: {} },
  readOnly: name.startsWith('get') || name.startsWith('list'),
}));

const LINES = [
  "What's the status of ticket T-1001?",
  'I want to change my number',
  'has anyone looked at my complaint yet?',
  'book me a flight',
  'show me all my tickets',
  'hello',
];

/** Model steps per second of the rules model over a mix of rule-hit and classifier lines (bounded count). */
export async function rulesStepsPerSecond(steps = 5000): Promise<number> {
  const model = new RulesModel();
  await model.warm();
  const signal = new AbortController().signal;
  const run = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const messages: ChatMessage[] = [{ role: 'user', text: LINES[i % LINES.length] ?? '' }];
      const sink: ModelEvent[] = [];
      for await (const ev of model.step(
        {
          system: '',
          messages,
          tools: TOOLS,
          toolChoice: 'auto',
          visitor: { name: null, anonymous: false, locale: 'en' },
        },
        signal,
      ))
        sink.push(ev);
    }
  };
  // Warm-up first: the figure is the steady state a long-running server sees, not JIT start-up.
  await run(1000);
  const started = performance.now();
  await run(steps);
  return steps / ((performance.now() - started) / 1000);
}
