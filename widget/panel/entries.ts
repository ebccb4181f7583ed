/**
 * What the message list shows, as plain data. The controller (conversation.ts) turns frames into
 * entries with these pure helpers; the view (app.tsx) renders them.
 */
import type { ConfirmRequestFrame, ToolFrame } from '../../shared/protocol.js';
import type { StoredMessage } from './storage.js';

export type ConfirmEntry = Extract<Entry, { kind: 'confirm' }>;

export type Entry =
  | ({ kind: 'msg'; key: string } & StoredMessage)
  /** A visitor message not yet acknowledged by the server (it is in the outbox). */
  | {
      kind: 'pending';
      key: string;
      clientId: string;
      text: string;
      at: string;
      error: string | null;
      /** The server asked to wait (rate limit, budget); it is sent again by itself. */
      waiting: boolean;
    }
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
      outcome: 'pending' | 'sent' | 'accepted' | 'declined' | 'expired' | 'withdrawn';
      choice: boolean | null;
    }
  | { kind: 'notice'; key: string; text: string };

export function msgEntry(m: StoredMessage): Entry {
  const e: Entry = {
    kind: 'msg',
    key: `m:${m.id}`,
    seq: m.seq,
    id: m.id,
    role: m.role,
    text: m.text,
    at: m.at,
  };
  if (m.name) e.name = m.name;
  return e;
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

/** A stored message: replaces its streaming draft in place (same position), or is inserted. */
export function withMessage(entries: readonly Entry[], m: StoredMessage): Entry[] {
  const entry = msgEntry(m);
  return (
    replaceWhere(
      entries,
      (e) => e.kind === 'stream' && e.id === m.id,
      () => entry,
    ) ?? insert(entries, entry)
  );
}

/**
 * Streamed text for reply `id`; `delta` null is reply_start, which resets the draft because after a
 * resume the server re-sends everything streamed so far in one delta.
 */
export function withStream(entries: readonly Entry[], id: string, delta: string | null): Entry[] {
  const existing = entries.find((e) => e.kind === 'stream' && e.id === id);
  const text = delta === null ? '' : (existing?.kind === 'stream' ? existing.text : '') + delta;
  const entry: Entry = { kind: 'stream', key: `s:${id}`, id, text };
  return existing ? entries.map((e) => (e === existing ? entry : e)) : insert(entries, entry);
}

/** A tool chip, updated in place by call id. */
export function withTool(entries: readonly Entry[], f: ToolFrame): Entry[] {
  const chip: Entry = {
    kind: 'tool',
    key: `t:${f.callId}`,
    callId: f.callId,
    label: f.label,
    status: f.status,
  };
  return (
    replaceWhere(
      entries,
      (e) => e.kind === 'tool' && e.callId === f.callId,
      () => chip,
    ) ?? insertBeforeStream(entries, chip)
  );
}

/** A new confirm card (null if it is already shown). */
export function withConfirm(entries: readonly Entry[], f: ConfirmRequestFrame): Entry[] | null {
  if (entries.some((e) => e.kind === 'confirm' && e.confirmId === f.confirmId)) return null;
  const { confirmId, tool, summary, expiresAt } = f;
  const card: Entry = {
    kind: 'confirm',
    key: `c:${confirmId}`,
    confirmId,
    tool,
    summary,
    expiresAt,
    outcome: 'pending',
    choice: null,
  };
  return insertBeforeStream(entries, card);
}

export function findConfirm(entries: readonly Entry[], confirmId: string): ConfirmEntry | undefined {
  return entries.find((e): e is ConfirmEntry => e.kind === 'confirm' && e.confirmId === confirmId);
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
