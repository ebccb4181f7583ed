import type { ChatMessage } from '../../model.js';
import { fold } from './fold.js';

/**
 * A ticket named by its topic instead of its number ("any news on my login problem?", issue #14):
 * the words that name the topic are matched against the subjects of the visitor's own tickets
 * (list_my_tickets). One best match is looked up; a tie is asked about; none is said.
 */

// Words that say "a ticket" or "how is it going" rather than what it is about, in every locale.
const STOP = new Set(
  `a an the my me i you your we our is are was were be been it its this that of on for to in at by with and or
  any some what whats where when how did does do has have had get got still yet about regarding news update updates
  status progress ticket tickets case request complaint problem issue thing stuff please there happening going sorted
  fixed resolved solved open check happened anyone anybody someone somebody looked look looking back heard hear
  word reply replied answer answered already since done work working can could would will tell know
  el la los las un una mi mis de del con sobre que hay algo alguna novedad novedades estado problema ticket caso como va
  der die das ein eine mein meine meinem meiner zu zum zur von gibt es neuigkeiten neues stand problem status wie ist
  le la les un une mon ma mes de du des sur nouveau nouvelles statut etat probleme ou en est ce
  هل من في عن على جديد بخصوص مشكله حاله التذكره تذكره طلب ما اي وضع مستجدات اخبار`.split(/\s+/),
);

/** The words of a request that name its topic (folded, 3+ letters, not stop words). */
export function topicWords(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 3 && !STOP.has(w) && !/^\d+$/.test(w));
}

function similar(a: string, b: string): boolean {
  if (a === b) return true;
  const short = Math.min(a.length, b.length);
  return (
    short >= 4 && (a.startsWith(b) || b.startsWith(a) || (short >= 5 && a.slice(0, 5) === b.slice(0, 5)))
  );
}

/** How many topic words a subject names ("login" also matches "log in": two words run together). */
export function topicScore(topic: readonly string[], subject: string): number {
  const words = fold(subject)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const joined = words.slice(1).map((w, i) => `${words[i]}${w}`);
  return topic.filter((t) => words.some((w) => similar(t, w)) || joined.includes(t)).length;
}

export interface TopicTicket {
  ticket_id: string;
  subject: string;
}

/** The best-matching tickets: one when it is clear, several on a tie, none when nothing matches. */
export function matchTopic<T extends TopicTicket>(topic: readonly string[], tickets: readonly T[]): T[] {
  const scored = tickets.map((t) => ({ t, score: topicScore(topic, t.subject) })).filter((s) => s.score > 0);
  const best = Math.max(0, ...scored.map((s) => s.score));
  return scored.filter((s) => s.score === best).map((s) => s.t);
}

/** "and the other one?": the visitor means the ticket of the last two mentioned that was not just shown. */
export function otherTicket(messages: readonly ChatMessage[]): string | null | 'unknown' {
  const replies = messages.filter((m) => m.role === 'assistant').slice(-2);
  const last = replies.at(-1)?.text ?? '';
  const ids = [...new Set(replies.flatMap((m) => m.text.match(/\bT-\d{1,10}\b/g) ?? []))];
  const shown = last.match(/\bT-\d{1,10}\b/)?.[0];
  const others = ids.filter((id) => id !== shown);
  return others.length === 1 ? (others[0] ?? null) : 'unknown';
}

/** "the other one", "el otro", "das andere", "l'autre", "الأخرى". */
export function asksForOther(text: string): boolean {
  return /\b(the other( one)?|el otro|la otra|das andere|den anderen|l'autre)\b|(الاخري|الاخر)/.test(
    fold(text),
  );
}
