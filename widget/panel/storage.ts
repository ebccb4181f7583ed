/**
 * Per site and visitor persistence in localStorage: the conversation id, what was rendered (so a
 * reload shows history at once and resumes from lastSeq) and the outbox of unacknowledged messages.
 */
export interface StoredMessage {
  seq: number;
  id: string;
  /** `operator`: a person's reply; `status`: a handoff line ("Sam joined"), its text an event code. */
  role: 'visitor' | 'assistant' | 'operator' | 'status';
  text: string;
  at: string;
  /** The operator's display name, on operator replies and status lines. */
  name?: string;
}

export interface OutboxItem {
  clientId: string;
  text: string;
  at: string;
}

export interface Saved {
  conversationId: string | null;
  lastSeq: number;
  messages: StoredMessage[];
  outbox: OutboxItem[];
}

/** Older messages are dropped from the local copy; the server keeps the full conversation. */
export const MAX_STORED_MESSAGES = 200;

export function storageKey(site: string, sub: string): string {
  return `deputy:v1:${site}:${encodeURIComponent(sub)}`;
}

export function emptySaved(): Saved {
  return { conversationId: null, lastSeq: 0, messages: [], outbox: [] };
}

export function load(key: string): Saved {
  try {
    const raw = localStorage.getItem(key);
    if (!raw) return emptySaved();
    const data = JSON.parse(raw) as Partial<Saved>;
    return {
      conversationId: typeof data.conversationId === 'string' ? data.conversationId : null,
      lastSeq: typeof data.lastSeq === 'number' ? data.lastSeq : 0,
      messages: Array.isArray(data.messages) ? data.messages.filter(isMessage) : [],
      outbox: Array.isArray(data.outbox) ? data.outbox.filter(isOutboxItem) : [],
    };
  } catch {
    return emptySaved();
  }
}

export function save(key: string, data: Saved): void {
  try {
    localStorage.setItem(
      key,
      JSON.stringify({ ...data, messages: data.messages.slice(-MAX_STORED_MESSAGES) }),
    );
  } catch {
    // Quota or blocked storage: the chat keeps working, it just won't survive a reload.
  }
}

export function remove(key: string): void {
  try {
    localStorage.removeItem(key);
  } catch {
    // Blocked storage: nothing was stored.
  }
}

function isMessage(m: unknown): m is StoredMessage {
  const x = m as StoredMessage;
  return (
    !!x &&
    typeof x.seq === 'number' &&
    typeof x.id === 'string' &&
    (x.role === 'visitor' || x.role === 'assistant') &&
    typeof x.text === 'string' &&
    typeof x.at === 'string'
  );
}

function isOutboxItem(m: unknown): m is OutboxItem {
  const x = m as OutboxItem;
  return !!x && typeof x.clientId === 'string' && typeof x.text === 'string' && typeof x.at === 'string';
}
