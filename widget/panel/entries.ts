/**
 * What the message list shows, as plain data. The controller (conversation.ts) turns frames into
 * entries with these pure helpers; the view (app.tsx) renders them.
 */
import type { StoredMessage } from './storage.js';

export type Entry =
  | ({ kind: 'msg'; key: string } & StoredMessage)
  /** A visitor message not yet acknowledged by the server (it is in the outbox). */
  | { kind: 'pending'; key: string; clientId: string; text: string; at: string; error: string | null }
  /** An assistant reply still streaming; replaced by its stored `msg` (same id) when complete. */
  | { kind: 'stream'; key: string; id: string; text: string }
  | { kind: 'tool'; key: string; callId: string; label: string; status: 'running' | 'done' | 'error' }
  | {
      kind: 'confirm';
      key: string;
      confirmId: string;
      tool: string;
      summary: string;
      expiresAt: string;
      /** `sent`: clicked, waiting for the server's confirm_result. */
      outcome: 'pending' | 'sent' | 'accepted' | 'declined' | 'expired';
      choice: boolean | null;
    }
  | { kind: 'notice'; key: string; text: string };

export function msgEntry(m: StoredMessage): Entry {
  return { kind: 'msg', key: `m:${m.id}`, seq: m.seq, id: m.id, role: m.role, text: m.text, at: m.at };
}

/** Inserts before the unacknowledged visitor messages, which always stay at the bottom. */
export function insert(entries: readonly Entry[], entry: Entry): Entry[] {
  const at = entries.findIndex((e) => e.kind === 'pending');
  const out = entries.slice();
  out.splice(at === -1 ? out.length : at, 0, entry);
  return out;
}

/** Inserts a tool chip or confirm card above the reply that is streaming (they belong to that reply). */
export function insertBeforeStream(entries: readonly Entry[], entry: Entry): Entry[] {
  const at = entries.findIndex((e) => e.kind === 'stream');
  if (at === -1) return insert(entries, entry);
  const out = entries.slice();
  out.splice(at, 0, entry);
  return out;
}

export function replaceWhere(
  entries: readonly Entry[],
  match: (e: Entry) => boolean,
  update: (e: Entry) => Entry | null,
): Entry[] | null {
  const i = entries.findIndex(match);
  if (i === -1) return null;
  const out = entries.slice();
  const next = update(out[i] as Entry);
  if (next) out[i] = next;
  else out.splice(i, 1);
  return out;
}

export function hasMessage(entries: readonly Entry[], id: string): boolean {
  return entries.some((e) => e.kind === 'msg' && e.id === id);
}

/** Whether the assistant is working: the last visitor message has no answer yet, or text hasn't started. */
export function isTyping(entries: readonly Entry[]): boolean {
  // Waiting for the visitor's click on a confirm card is not the assistant typing.
  if (entries.some((e) => e.kind === 'confirm' && e.outcome === 'pending')) return false;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as Entry;
    if (e.kind === 'tool') continue;
    if (e.kind === 'stream') return e.text === '';
    if (e.kind === 'msg') return e.role === 'visitor';
    if (e.kind === 'pending') continue;
    return false;
  }
  return false;
}

/** Removes characters that can spoof the UI: bidi overrides/isolates and invisible spaces (X5). */
const UNSAFE_CHARS = /[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]/g;
export function cleanText(text: string): string {
  return text.replace(UNSAFE_CHARS, '');
}
