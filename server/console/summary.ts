import type { Kysely } from 'kysely';
import { maskText } from '../mask.js';
import type { Database } from '../store/schema.js';

const REASONS: Record<string, string> = {
  visitor_asked: 'The visitor asked for a person.',
  agent_failed: 'The assistant could not help twice in a row.',
  model_outage: 'The assistant was unavailable (model outage).',
  model_requested: 'The assistant asked for a person.',
};

/**
 * The handoff summary an operator reads first, built without a model so it is the same every time:
 * why, what the visitor asked (masked, bounded), which records the assistant looked up and what it
 * changed, from the MCP audit log of this conversation.
 */
export async function handoffSummary(
  db: Kysely<Database>,
  conversationId: string,
  reason: string,
  detail = '',
): Promise<string> {
  const asked = await db
    .selectFrom('messages')
    .select('text')
    .where('conversation_id', '=', conversationId)
    .where('role', '=', 'visitor')
    .orderBy('seq', 'desc')
    .limit(3)
    .execute();
  const calls = await db
    .selectFrom('audit_log')
    .select(['tool', 'args', 'outcome'])
    .where('cid', '=', conversationId)
    .orderBy('id', 'asc')
    .limit(50)
    .execute();
  const looked = calls.filter((c) => c.tool.startsWith('get_') || c.tool.startsWith('list_'));
  const changed = calls.filter(
    (c) => !c.tool.startsWith('get_') && !c.tool.startsWith('list_') && c.outcome === 'ok',
  );
  const line = (c: { tool: string; args: string }) => `${c.tool} ${c.args === '{}' ? '' : c.args}`.trim();
  return [
    // The model's own words are data: masked and bounded like the visitor's.
    `Why: ${REASONS[reason] ?? reason}${detail ? ` (“${maskText(detail).slice(0, 200)}”)` : ''}`,
    `Asked: ${
      asked
        .reverse()
        .map((m) => `“${maskText(m.text).slice(0, 200)}”`)
        .join(' / ') || '(nothing yet)'
    }`,
    `Looked up: ${[...new Set(looked.map(line))].join('; ') || 'nothing'}`,
    `Changed: ${changed.map(line).join('; ') || 'nothing'}`,
  ].join('\n');
}
