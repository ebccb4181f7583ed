import type { Task } from './tasks.js';

/** A small seeded PRNG (mulberry32): the same seed gives the same conversation. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;

/** One typo (two neighbouring letters swapped) in a word of 5+ letters, as people type. */
function typo(r: () => number, text: string): string {
  const words = [...text.matchAll(/\b[A-Za-z]{5,}\b/g)];
  const w = words.length > 0 ? pick(r, words) : null;
  if (!w || w.index === undefined) return text;
  const i = w.index + 1 + Math.floor(r() * (w[0].length - 2));
  return text.slice(0, i) + (text[i + 1] ?? '') + (text[i] ?? '') + text.slice(i + 2);
}

const TICKET_FORMS = [
  (n: string) => `T-${n}`,
  (n: string) => `#${n}`,
  (n: string) => `ticket ${n}`,
  (n: string) => n,
];

/**
 * The scripted visitor of a task: a small state machine that opens with a seeded paraphrase (with a
 * typo now and then, never inside the values it gives), answers what the agent asks from what it
 * knows, and answers confirm cards as the task says. It stops when the agent asks nothing more.
 */
export class ScriptedUser {
  readonly #r: () => number;
  #phones: string[];
  readonly cards: string[] = [];
  turns = 0;

  constructor(
    private readonly task: Task,
    seed: number,
  ) {
    this.#r = rng(seed * 7919 + task.id.length * 104729 + task.id.charCodeAt(0));
    this.#phones = [...(task.slots.phones ?? [])];
  }

  /** The first message: a paraphrase, its template maybe mistyped, then the values filled in. */
  opener(): string {
    this.turns++;
    // Placeholders are split out first, so a typo never lands inside a value.
    const parts = pick(this.#r, this.task.openers).split(/(\{\w+\})/);
    const plain = parts.flatMap((p, i) => (/^\{\w+\}$/.test(p) || !/[A-Za-z]{5,}/.test(p) ? [] : [i]));
    if (plain.length > 0 && this.#r() < 0.35 && !this.task.exactOpener) {
      const i = pick(this.#r, plain);
      parts[i] = typo(this.#r, parts[i] ?? '');
    }
    return parts.join('').replace(/\{(\w+)\}/g, (_, slot: string) => {
      if (slot === 'phone') return this.#phones.shift() ?? '';
      return String(this.task.slots[slot as keyof Task['slots']] ?? '');
    });
  }

  /** The answer to the agent's reply, or null when the conversation is over. */
  answer(reply: string): string | null {
    if (this.turns >= 8) return null;
    const s = this.task.slots;
    const says = (re: RegExp) => re.test(reply);
    let next: string | null = null;
    if (says(/\b(new|valid) phone number\b[^?]*\?|phone number\?/i) && this.#phones.length > 0) {
      next = pick(this.#r, [
        (p: string) => p,
        (p: string) => `it's ${p}`,
        (p: string) => `my new number is ${p}`,
      ])(this.#phones.shift() ?? '');
    } else if (says(/which ticket/i) && s.ticket) {
      next = pick(this.#r, TICKET_FORMS)(s.ticket.replace(/^T-/, ''));
    } else if (says(/what is it about\?/i) && s.subject) next = s.subject;
    else if (says(/describe the problem/i) && s.description) next = s.description;
    else if (says(/what email address/i) && s.email) next = s.email;
    else if (says(/what would you like me to add/i) && s.comment) next = s.comment;
    else if (says(/what should i tell them\?/i) && s.details) next = s.details;
    else if (says(/would you like me to open a ticket/i) && this.task.wantsTicket !== undefined) {
      next = this.task.wantsTicket
        ? pick(this.#r, ['yes please', 'sure', 'yes'])
        : pick(this.#r, ['no thanks', 'no']);
    }
    if (next !== null) this.turns++;
    return next;
  }

  /** The visitor's click on a confirm card. */
  confirm(summary: string): 'accepted' | 'declined' {
    this.cards.push(summary);
    return this.task.confirm === 'accept' ? 'accepted' : 'declined';
  }
}
