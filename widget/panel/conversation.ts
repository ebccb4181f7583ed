/**
 * The conversation controller: turns server frames into entries, keeps the outbox and the stored
 * copy in step, and talks to the host (events, unread badge). No DOM here, so it is unit-tested with
 * a fake socket.
 */
import type { HelloFrame, ServerFrame } from '../../shared/protocol.js';
import type { Emit, WidgetConfig } from '../types.js';
import { Connection, type ConnState } from './connection.js';
import {
  cleanText,
  type Entry,
  hasMessage,
  insert,
  insertBeforeStream,
  msgEntry,
  replaceWhere,
} from './entries.js';
import { emptySaved, load, remove, type Saved, save, storageKey } from './storage.js';
import { subjectOf, TokenSource } from './token.js';

export interface ViewState {
  entries: Entry[];
  conn: ConnState | 'idle';
  /** Why the chat stopped for good (4401/4403), shown instead of the composer. */
  fatal: string | null;
  visitorName: string | null;
}

export interface ConversationDeps {
  config: WidgetConfig;
  emit: Emit;
  setUnread(count: number): void;
  WebSocket?: typeof WebSocket;
  random?: () => number;
}

/** Errors after which the same message is simply sent again a little later. */
const RETRY_LATER = new Set(['busy', 'rate_limited']);
/** The server is going away; the message stays in the outbox and goes to the next process. */
const RESEND_ON_RECONNECT = 'shutting_down';
const RETRY_MS = 2_500;
/** If an acknowledged message never gets its reply, the outbox moves on after this long. */
const REPLY_WATCHDOG_MS = 90_000;

export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

export class Conversation {
  state: ViewState;
  private listeners = new Set<() => void>();
  private saved: Saved;
  private key: string;
  private sub: string;
  private open = false;
  private unread = 0;
  /** clientId sent and not yet acknowledged; the outbox sends one message at a time. */
  private inFlight: string | null = null;
  /** An acknowledged message is waiting for its reply; the next message waits too (no `busy`). */
  private replyPending = false;
  private readyFor: string | null = null;
  private identityKnown: boolean;
  private fatalMessage: string | null = null;
  private helloToken: string | null = null;
  private answers = new Map<string, boolean>();
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private readonly tokens: TokenSource;
  private readonly conn: Connection;

  constructor(private readonly deps: ConversationDeps) {
    const { config } = deps;
    // With data-token-url the visitor (and so the stored history) is known once the token arrives.
    this.identityKnown = !(config.tokenUrl && !config.token);
    this.sub = subjectOf(config.token);
    this.key = storageKey(config.site, this.sub);
    this.saved = this.identityKnown ? load(this.key) : emptySaved();
    this.state = { entries: this.restoredEntries(), conn: 'idle', fatal: null, visitorName: null };
    this.tokens = new TokenSource(config, (token) => this.tokenRefreshed(token));
    this.conn = new Connection({
      url: config.wsUrl,
      hello: () => this.hello(),
      onFrame: (f) => this.onFrame(f),
      onState: (conn, code) => this.onConnState(conn, code),
      onAuthFailure: () =>
        config.tokenUrl
          ? this.tokens.fetch().then((t) => t !== null && t !== this.helloToken)
          : Promise.resolve(false),
      ...(deps.WebSocket ? { WebSocket: deps.WebSocket } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    });
    // A returning visitor reconnects at once, so replies that arrived meanwhile raise the badge.
    if (!this.identityKnown) void this.tokens.get();
    else this.resumeIfStored();
  }

  private resumeIfStored(): void {
    if (this.saved.conversationId || this.saved.outbox.length) this.conn.start();
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  setOpen(open: boolean): void {
    this.open = open;
    if (open) {
      this.setUnread(0);
      this.conn.start();
    }
  }

  /** Queues a visitor message; it is sent when connected and kept until the server acknowledges it. */
  send(raw: string): void {
    const text = raw.trim();
    if (!text || this.state.fatal) return;
    const item = { clientId: newClientId(), text, at: new Date().toISOString() };
    this.saved.outbox.push(item);
    this.persist();
    this.update({ entries: [...this.state.entries, pendingEntry(item.clientId, text, item.at)] });
    this.conn.start();
    this.flush();
  }

  /** Sends a message that failed again, under a new client id. */
  retry(clientId: string): void {
    const entry = this.state.entries.find((e) => e.kind === 'pending' && e.clientId === clientId);
    if (entry?.kind !== 'pending') return;
    this.update({ entries: this.state.entries.filter((e) => e !== entry) });
    this.send(entry.text);
  }

  /** The visitor's click on a confirm card; later clicks are ignored. */
  answer(confirmId: string, accept: boolean): void {
    const next = replaceWhere(
      this.state.entries,
      (e) =>
        e.kind === 'confirm' && e.confirmId === confirmId && e.choice === null && e.outcome === 'pending',
      (e) => ({ ...(e as Extract<Entry, { kind: 'confirm' }>), choice: accept, outcome: 'sent' }),
    );
    if (!next) return;
    this.update({ entries: next });
    if (!this.conn.send({ type: 'confirm', confirmId, accept })) this.answers.set(confirmId, accept);
  }

  identify(token: string | null): void {
    const sub = subjectOf(token);
    this.tokens.set(token);
    if (sub !== this.sub) {
      remove(this.key);
      this.sub = sub;
      this.key = storageKey(this.deps.config.site, sub);
      this.reset();
    }
    this.conn.restart();
  }

  /** Forgets the stored conversation and outbox (Deputy.shutdown()). */
  forget(): void {
    remove(this.key);
    this.reset();
  }

  destroy(): void {
    this.conn.stop();
    this.tokens.stop();
    clearTimeout(this.watchdog);
    for (const t of this.timers) clearTimeout(t);
    this.listeners.clear();
  }

  private reset(): void {
    this.saved = emptySaved();
    remove(this.key);
    this.inFlight = null;
    this.replyPending = false;
    this.readyFor = null;
    this.answers.clear();
    this.setUnread(0);
    this.update({ entries: [], visitorName: null, fatal: null });
  }

  private restoredEntries(): Entry[] {
    const msgs = [...this.saved.messages].sort((a, b) => a.seq - b.seq).map(msgEntry);
    return [...msgs, ...this.saved.outbox.map((o) => pendingEntry(o.clientId, o.text, o.at))];
  }

  private async hello(): Promise<HelloFrame> {
    const token = await this.tokens.get();
    this.helloToken = token;
    const { config } = this.deps;
    const frame: HelloFrame = { type: 'hello', v: 1, site: config.site, locale: config.locale };
    if (token) frame.token = token;
    if (this.saved.conversationId) {
      frame.conversationId = this.saved.conversationId;
      frame.lastSeq = this.saved.lastSeq;
    }
    return frame;
  }

  private tokenRefreshed(token: string | null): void {
    const sub = subjectOf(token);
    if (!this.identityKnown) {
      // The first token from data-token-url: now we know whose history to show and resume.
      this.identityKnown = true;
      this.sub = sub;
      this.key = storageKey(this.deps.config.site, sub);
      const early = this.saved.outbox; // typed before the token came back
      this.saved = load(this.key);
      this.saved.outbox.push(...early);
      this.persist();
      this.update({ entries: this.restoredEntries() });
      this.resumeIfStored();
    } else if (sub !== this.sub) {
      // The host site now has someone else signed in: a new identity, a new conversation.
      remove(this.key);
      this.sub = sub;
      this.key = storageKey(this.deps.config.site, sub);
      this.reset();
      this.conn.restart();
    } else if (this.conn.current === 'open' && token !== this.helloToken) {
      this.conn.restart();
    }
  }

  private onConnState(conn: ConnState, code?: number): void {
    if (conn === 'failed') {
      const fallback =
        code === 4403
          ? 'This page is not allowed to use this chat.'
          : 'Your session could not be verified. Please reload the page.';
      this.update({ conn, fatal: this.fatalMessage ?? fallback });
      this.deps.emit('error', {
        code: code === 4403 ? 'forbidden' : 'unauthorized',
        message: this.state.fatal ?? '',
      });
      return;
    }
    if (conn !== 'open') this.inFlight = null;
    this.update({ conn });
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'welcome':
        this.onWelcome(f);
        return;
      case 'ack':
        this.onAck(f.clientId, f.seq, f.id);
        return;
      case 'message':
        this.onMessage(f);
        return;
      case 'reply_start':
      case 'delta':
        this.onStream(f.id, f.type === 'delta' ? f.text : null);
        return;
      case 'tool': {
        const chip: Entry = {
          kind: 'tool',
          key: `t:${f.callId}`,
          callId: f.callId,
          label: f.label,
          status: f.status,
        };
        const next = replaceWhere(
          this.state.entries,
          (e) => e.kind === 'tool' && e.callId === f.callId,
          () => chip,
        );
        this.update({ entries: next ?? insertBeforeStream(this.state.entries, chip) });
        this.deps.emit('tool_call', { callId: f.callId, name: f.name, label: f.label, status: f.status });
        return;
      }
      case 'confirm_request':
        this.onConfirmRequest(f.confirmId, f.tool, f.summary, f.expiresAt);
        return;
      case 'confirm_result':
        this.settleConfirm(f.confirmId, f.outcome);
        return;
      case 'error':
        this.onError(f.code, f.message, f.clientId, f.ref);
        return;
    }
  }

  private onWelcome(f: Extract<ServerFrame, { type: 'welcome' }>): void {
    const known = this.saved.conversationId;
    if (known && (known !== f.conversationId || !f.resumed)) {
      // The server started a new conversation (the old one is gone): drop the old history.
      const outbox = this.saved.outbox;
      this.saved = { ...emptySaved(), outbox };
      this.update({ entries: this.state.entries.filter((e) => e.kind === 'pending' || e.kind === 'notice') });
    }
    this.saved.conversationId = f.conversationId;
    if (f.lastSeq < this.saved.lastSeq) this.saved.lastSeq = f.lastSeq;
    this.persist();
    this.inFlight = null;
    this.replyPending = false;
    this.fatalMessage = null;
    this.conn.welcomed();
    this.update({ visitorName: f.visitor.name, fatal: null });
    for (const [confirmId, accept] of this.answers) this.conn.send({ type: 'confirm', confirmId, accept });
    this.answers.clear();
    if (this.readyFor !== f.conversationId) {
      this.readyFor = f.conversationId;
      this.deps.emit('ready', { conversationId: f.conversationId, visitor: f.visitor });
    }
    this.flush();
  }

  private onAck(clientId: string, seq: number, id: string): void {
    const item = this.saved.outbox.find((o) => o.clientId === clientId);
    this.saved.outbox = this.saved.outbox.filter((o) => o.clientId !== clientId);
    if (this.inFlight === clientId) {
      this.inFlight = null;
      this.replyPending = true;
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => this.replyDone(), REPLY_WATCHDOG_MS);
    }
    if (item && !hasMessage(this.state.entries, id)) {
      const entries = this.state.entries.filter((e) => !(e.kind === 'pending' && e.clientId === clientId));
      this.state.entries = entries;
      this.addMessage({ seq, id, role: 'visitor', text: item.text, at: item.at });
    } else this.persist();
    this.flush();
  }

  private onMessage(f: Extract<ServerFrame, { type: 'message' }>): void {
    if (f.role === 'visitor' && f.clientId) {
      const had = this.saved.outbox.some((o) => o.clientId === f.clientId);
      if (had) {
        this.onAck(f.clientId, f.seq, f.id);
        return;
      }
    }
    if (hasMessage(this.state.entries, f.id)) return;
    this.addMessage({ seq: f.seq, id: f.id, role: f.role, text: f.text, at: f.at });
    if (f.role === 'assistant') {
      if (!this.open) this.setUnread(this.unread + 1);
      this.replyDone();
    }
  }

  /** Adds a stored message, replacing its streaming draft in place; emits `message` once per id. */
  private addMessage(m: Saved['messages'][number]): void {
    const entry = msgEntry(m);
    const next = replaceWhere(
      this.state.entries,
      (e) => e.kind === 'stream' && e.id === m.id,
      () => entry,
    );
    this.saved.messages.push(m);
    this.saved.lastSeq = Math.max(this.saved.lastSeq, m.seq);
    this.persist();
    this.update({ entries: next ?? insert(this.state.entries, entry) });
    this.deps.emit('message', { ...m });
  }

  private onStream(id: string, delta: string | null): void {
    if (hasMessage(this.state.entries, id)) return;
    const existing = this.state.entries.find((e) => e.kind === 'stream' && e.id === id);
    // reply_start resets the draft: after a resume the server re-sends everything streamed so far.
    const text = delta === null ? '' : (existing?.kind === 'stream' ? existing.text : '') + delta;
    const entry: Entry = { kind: 'stream', key: `s:${id}`, id, text };
    this.update({
      entries: existing
        ? this.state.entries.map((e) => (e === existing ? entry : e))
        : insert(this.state.entries, entry),
    });
  }

  private onConfirmRequest(confirmId: string, tool: string, summary: string, expiresAt: string): void {
    if (this.state.entries.some((e) => e.kind === 'confirm' && e.confirmId === confirmId)) return;
    const entry: Entry = {
      kind: 'confirm',
      key: `c:${confirmId}`,
      confirmId,
      tool,
      summary,
      expiresAt,
      outcome: 'pending',
      choice: null,
    };
    this.update({ entries: insertBeforeStream(this.state.entries, entry) });
    if (!this.open) this.setUnread(this.unread + 1);
    const ms = Date.parse(expiresAt) - Date.now();
    if (ms > 0) this.later(() => this.settleConfirm(confirmId, 'expired', true), ms);
    this.deps.emit('confirm', { confirmId, tool, summary, outcome: 'pending' });
  }

  private settleConfirm(
    confirmId: string,
    outcome: 'accepted' | 'declined' | 'expired',
    onlyIfOpen = false,
  ): void {
    const card = this.state.entries.find(
      (e): e is Extract<Entry, { kind: 'confirm' }> =>
        e.kind === 'confirm' && e.confirmId === confirmId && (!onlyIfOpen || e.outcome === 'pending'),
    );
    if (!card) return;
    this.update({ entries: this.state.entries.map((e) => (e === card ? { ...card, outcome } : e)) });
    this.deps.emit('confirm', { confirmId, tool: card.tool, summary: card.summary, outcome });
  }

  private onError(code: string, message: string, clientId?: string, ref?: string): void {
    this.deps.emit('error', { code, message });
    if (clientId && this.saved.outbox.some((o) => o.clientId === clientId)) {
      if (this.inFlight === clientId) this.inFlight = null;
      if (RETRY_LATER.has(code)) {
        this.later(() => this.flush(), RETRY_MS);
        return;
      }
      if (code === RESEND_ON_RECONNECT) return;
      this.saved.outbox = this.saved.outbox.filter((o) => o.clientId !== clientId);
      this.persist();
      const next = replaceWhere(
        this.state.entries,
        (e) => e.kind === 'pending' && e.clientId === clientId,
        (e) => ({ ...(e as Extract<Entry, { kind: 'pending' }>), error: cleanText(message) }),
      );
      if (next) this.update({ entries: next });
      this.flush();
      return;
    }
    if (RETRY_LATER.has(code) || code === RESEND_ON_RECONNECT) return;
    if (
      ['unauthorized', 'token_expired', 'unknown_site', 'forbidden_origin', 'hello_timeout'].includes(code)
    ) {
      this.fatalMessage = message;
      return;
    }
    // The correlation id lets support find the failure in the server logs.
    const text = ref ? `${message} (ref ${ref})` : message;
    const notice: Entry = { kind: 'notice', key: `n:${newClientId()}`, text };
    this.update({ entries: insert(this.state.entries, notice) });
    this.replyDone();
  }

  private replyDone(): void {
    clearTimeout(this.watchdog);
    this.replyPending = false;
    this.flush();
  }

  private flush(): void {
    if (this.inFlight || this.replyPending || this.conn.current !== 'open') return;
    const item = this.saved.outbox[0];
    if (item && this.conn.send({ type: 'message', clientId: item.clientId, text: item.text })) {
      this.inFlight = item.clientId;
    }
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.min(ms, 2 ** 31 - 1),
    );
    this.timers.add(t);
  }

  private setUnread(count: number): void {
    if (count === this.unread) return;
    this.unread = count;
    this.deps.setUnread(count);
  }

  private persist(): void {
    if (this.identityKnown) save(this.key, this.saved);
  }

  private update(patch: Partial<ViewState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }
}

function pendingEntry(clientId: string, text: string, at: string): Entry {
  return { kind: 'pending', key: `p:${clientId}`, clientId, text, at, error: null };
}
