import type { ChatMessage, ModelEvent, ToolSpec } from '../server/agent/model.js';
import { promptIn } from '../server/agent/models/rules/dialogue.js';
import { detectIntent, type IntentKind } from '../server/agent/models/rules/intents.js';
import { stringsFor } from '../server/agent/models/rules/strings.js';
import { RulesModel } from '../server/agent/models/rules.js';
import { FRESH_BY_LANG, HELD_OUT_BY_LANG, type Lang, MID_FLOW } from './heldout-sets.js';

const TOOL_OF_FLOW: Record<string, string> = {
  ask_ticket_id: 'get_ticket_status',
  ask_phone: 'update_phone_number',
  ask_subject: 'create_ticket',
  ask_description: 'create_ticket',
  ask_email: 'create_ticket',
  ask_comment_ticket: 'add_ticket_comment',
  ask_comment_body: 'add_ticket_comment',
  ask_handoff: 'create_ticket',
};

const TOOLS: ToolSpec[] = Object.values(TOOL_OF_FLOW)
  .concat(['get_customer_info', 'list_my_tickets'])
  .map((name) => ({
    name,
    description: name,
    inputSchema: { type: 'object', properties: {} },
    readOnly: name.startsWith('get') || name.startsWith('list'),
  }));

/** Intent accuracy per language over the held-out phrasings of issue #14. */
export async function heldOutByLanguage(
  sets: Record<Lang, [string, IntentKind][]> = HELD_OUT_BY_LANG,
): Promise<Record<Lang, { ok: number; total: number; misses: string[] }>> {
  const out = {} as Record<Lang, { ok: number; total: number; misses: string[] }>;
  for (const [lang, set] of Object.entries(sets) as [Lang, [string, IntentKind][]][]) {
    const row = { ok: 0, total: set.length, misses: [] as string[] };
    for (const [text, want] of set) {
      const got = (await detectIntent(text, lang)).kind;
      if (got === want) row.ok++;
      else row.misses.push(`${text} → ${got} (want ${want})`);
    }
    out[lang] = row;
  }
  return out;
}

/** How often a message in the middle of slot filling is read right: as the answer, or as a new request. */
export async function midFlowScore(): Promise<{ ok: number; total: number; misses: string[] }> {
  const model = new RulesModel();
  const misses: string[] = [];
  let ok = 0;
  for (const c of MID_FLOW) {
    const messages: ChatMessage[] = [
      { role: 'user', text: c.opener },
      { role: 'assistant', text: stringsFor('en').prompts[c.awaiting] },
      { role: 'user', text: c.text },
    ];
    const events: ModelEvent[] = [];
    for await (const ev of model.step(
      {
        system: '',
        messages,
        tools: TOOLS,
        toolChoice: 'auto',
        visitor: { name: 'Alice', anonymous: false, locale: 'en' },
      },
      new AbortController().signal,
    ))
      events.push(ev);
    const call = events.find((e) => e.type === 'tool_call');
    const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
    const prompt = promptIn(text);
    const sameFlow =
      call?.type === 'tool_call'
        ? call.call.name === TOOL_OF_FLOW[c.awaiting]
        : prompt !== null && TOOL_OF_FLOW[prompt] === TOOL_OF_FLOW[c.awaiting];
    const got = sameFlow ? 'slot' : 'switch';
    if (got === c.want) ok++;
    else misses.push(`[${c.awaiting}] ${c.text} → ${got}`);
  }
  return { ok, total: MID_FLOW.length, misses };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const langs = await heldOutByLanguage();
  for (const [lang, r] of Object.entries(langs)) {
    console.log(`${lang}: ${r.ok}/${r.total}`);
    for (const m of r.misses) console.log(`   ✗ ${m}`);
  }
  const fresh = await heldOutByLanguage(FRESH_BY_LANG);
  for (const [lang, r] of Object.entries(fresh)) {
    console.log(`fresh ${lang}: ${r.ok}/${r.total}`);
    for (const m of r.misses) console.log(`   ✗ ${m}`);
  }
  const mid = await midFlowScore();
  console.log(`mid-flow: ${mid.ok}/${mid.total}`);
  for (const m of mid.misses) console.log(`   ✗ ${m}`);
}
