/**
 * The conversation controller: turns server frames into entries, keeps the outbox and the stored
 * copy in step, and talks to the host (events, unread badge). No DOM here, so it is unit-tested with
 * a fake socket.
 */

import type {
  ConfirmRequestFrame,
  ConfirmResultFrame,
  HelloFrame,
  ServerFrame,
} from '../../shared/protocol.js';
import type { Emit, WidgetConfig } from '../types.js';
import { Connection, type ConnState } from './connection.js';
import {
  cleanText,
  type Entry,
  findConfirm,
  hasMessage,
  insert,
  msgEntry,
  replaceWhere,
  withConfirm,
  withMessage,
  withStream,
  withTool,
} from './entries.js';
import { personAnswers } from './handoff-state.js';
import { isTransient, newClientId, Outbox } from './outbox.js';
import { emptySaved, load, remove, type Saved, type StoredMessage, save, storageKey } from './storage.js';
import { subjectOf, TokenSource } from './token.js';

export interface ViewState {
  entries: Entry[];
  conn: ConnState | 'idle';
  /** Why the chat stopped for good (4401/4403), shown instead of the composer. */
  fatal: string | null;
  visitorName: string | null;
  /** A person (operator) typing to the visitor, by display name. */
  typingName: string | null;
}

export interface ConversationDeps {
  config: WidgetConfig;
  emit: Emit;
  setUnread(count: number): void;
  WebSocket?: typeof WebSocket;
  random?: () => number;
  /** For the preflight after a refused upgrade (tests pass a loopback stand-in). */
  fetch?: typeof fetch;
}

/** Error codes after which the socket will not be retried; their message is shown instead. */
const FATAL = new Set(['unauthorized', 'token_expired', 'unknown_site', 'forbidden_origin', 'hello_timeout']);

export class Conversation {
  state: ViewState;
  private listeners = new Set<() => void>();
  /** The stored copy (its `outbox` lives in `this.outbox` and is merged in on save). */
  private saved: Saved;
  private key: string;
  private sub: string;
  private open = false;
  private unread = 0;
  private readyFor: string | null = null;
  private identityKnown: boolean;
  private fatalMessage: string | null = null;
  private fatalCode: string | null = null;
  private helloToken: string | null = null;
  private answers = new Map<string, boolean>();
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly outbox: Outbox;
  private readonly tokens: TokenSource;
  private readonly conn: Connection;

  constructor(private readonly deps: ConversationDeps) {
    const { config } = deps;
    // With data-token-url the visitor (and so the stored history) is known once the token arrives.
    this.identityKnown = !(config.tokenUrl && !config.token);
    this.sub = subjectOf(config.token);
    this.key = storageKey(config.site, this.sub);
    this.saved = this.identityKnown ? load(this.key) : emptySaved();
    this.outbox = new Outbox((item) =>
      this.conn.send({ type: 'message', clientId: item.clientId, text: item.text }),
    );
    this.outbox.load(this.saved.outbox);
    this.state = {
      entries: this.restoredEntries(),
      conn: 'idle',
      fatal: null,
      visitorName: null,
      typingName: null,
    };
    this.tokens = new TokenSource(config, (token) => this.tokenRefreshed(token));
    this.conn = new Connection({
      // Several frames of one server turn may come as one message (docs/protocol.md, "Batches").
      url: `${config.wsUrl}?batch=1`,
      hello: () => this.hello(),
      onFrame: (f) => this.onFrame(f),
      onState: (conn, code) => this.onConnState(conn, code),
      probe: () => this.probe(),
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
    if (this.saved.conversationId || this.outbox.items.length) this.conn.start();
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
    this.conn.start();
    const item = this.outbox.add(text);
    this.persist();
    this.update({ entries: [...this.state.entries, pendingEntry(item.clientId, text, item.at)] });
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
    const card = findConfirm(this.state.entries, confirmId);
    if (card?.choice !== null || card.outcome !== 'pending') return;
    const answered: Entry = { ...card, choice: accept, outcome: 'sent' };
    this.update({ entries: this.state.entries.map((e) => (e === card ? answered : e)) });
    this.sendAnswer(confirmId, accept);
  }

  /** Sends a click now, or after the next welcome if the socket is down. */
  private sendAnswer(confirmId: string, accept: boolean): void {
    if (!this.conn.send({ type: 'confirm', confirmId, accept })) this.answers.set(confirmId, accept);
  }

  identify(token: string | null): void {
    this.tokens.set(token);
    if (subjectOf(token) !== this.sub) this.switchIdentity(subjectOf(token));
    this.conn.restart();
  }

  /** The visitor typed: a person who owns the conversation sees it (one frame per 3 s at most). */
  typed(): void {
    const now = Date.now();
    if (now - this.typingSent < 3000) return;
    this.typingSent = now;
    this.conn.send({ type: 'typing', on: true });
  }
  private typingSent = 0;

  /** Forgets the stored conversation and outbox (Deputy.shutdown()). */
  forget(): void {
    remove(this.key);
    this.reset();
  }

  destroy(): void {
    this.conn.stop();
    this.tokens.stop();
    this.outbox.destroy();
    for (const t of this.timers) clearTimeout(t);
    this.listeners.clear();
  }

  /** Someone else is signed in now: forget the previous visitor's conversation, start afresh. */
  private switchIdentity(sub: string): void {
    remove(this.key);
    this.sub = sub;
    this.key = storageKey(this.deps.config.site, sub);
    this.reset();
  }

  private reset(): void {
    this.saved = emptySaved();
    this.outbox.load([]);
    remove(this.key);
    this.readyFor = null;
    this.answers.clear();
    this.setUnread(0);
    this.update({ entries: [], visitorName: null, fatal: null });
  }

  private restoredEntries(): Entry[] {
    const msgs = [...this.saved.messages].sort((a, b) => a.seq - b.seq).map(msgEntry);
    return [...msgs, ...this.outbox.items.map((o) => pendingEntry(o.clientId, o.text, o.at))];
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
    } else if (token) frame.latest = true;
    return frame;
  }

  private tokenRefreshed(token: string | null): void {
    const sub = subjectOf(token);
    if (!this.identityKnown) {
      // The first token from data-token-url: now we know whose history to show and resume.
      this.identityKnown = true;
      this.sub = sub;
      this.key = storageKey(this.deps.config.site, sub);
      this.saved = load(this.key);
      // Messages typed before the token came back go after this visitor's stored ones.
      this.outbox.load([...this.saved.outbox, ...this.outbox.items]);
      this.persist();
      this.update({ entries: this.restoredEntries() });
      this.resumeIfStored();
    } else if (sub !== this.sub) {
      this.switchIdentity(sub);
      this.conn.restart();
    } else if (this.conn.current === 'open' && token !== this.helloToken) {
      this.conn.restart();
    }
  }

  /**
   * Asks the server why the upgrade was refused (docs/protocol.md, "Connecting"): only a refusal
   * for good (this origin, this site) stops the reconnects; its message is in the visitor's locale.
   */
  private async probe(): Promise<{ code: string; message: string } | null> {
    const { config } = this.deps;
    const url = `${config.wsUrl.replace(/^ws/, 'http')}/preflight?site=${encodeURIComponent(config.site)}&locale=${config.locale}`;
    const body = (await (await (this.deps.fetch ?? fetch)(url)).json()) as {
      code?: unknown;
      message?: unknown;
    };
    if (
      (body.code !== 'forbidden_origin' && body.code !== 'unknown_site') ||
      typeof body.message !== 'string'
    )
      return null;
    this.fatalCode = body.code;
    this.fatalMessage = body.message;
    return { code: body.code, message: body.message };
  }

  private onConnState(conn: ConnState, code?: number): void {
    if (conn === 'failed') {
      const fallback =
        code === 4403
          ? 'This page is not allowed to use this chat.'
          : 'Your session could not be verified. Please reload the page.';
      this.update({ conn, fatal: this.fatalMessage ?? fallback });
      this.deps.emit('error', {
        code: this.fatalCode ?? (code === 4403 ? 'forbidden_origin' : 'unauthorized'),
        message: this.state.fatal ?? '',
      });
      return;
    }
    if (conn !== 'open') this.outbox.disconnected();
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
      case 'tool':
        this.update({ entries: withTool(this.state.entries, f) });
        this.deps.emit('tool_call', { callId: f.callId, name: f.name, label: f.label, status: f.status });
        return;
      case 'confirm_request':
        this.onConfirmRequest(f);
        return;
      case 'confirm_result':
        this.settleConfirm(f.confirmId, f.outcome);
        return;
      case 'error':
        this.onError(f);
        return;
      case 'reply_end':
        this.update({ entries: this.state.entries.filter((e) => !(e.kind === 'stream' && e.id === f.id)) });
        return;
      case 'typing':
        this.update({ typingName: f.on ? f.name : null });
        return;
    }
  }

  private onWelcome(f: Extract<ServerFrame, { type: 'welcome' }>): void {
    const known = this.saved.conversationId;
    if (known && (known !== f.conversationId || !f.resumed)) {
      // The server started a new conversation (the old one is gone): drop the old history.
      this.saved = emptySaved();
      this.update({ entries: this.state.entries.filter((e) => e.kind === 'pending' || e.kind === 'notice') });
    }
    this.saved.conversationId = f.conversationId;
    if (f.lastSeq < this.saved.lastSeq) this.saved.lastSeq = f.lastSeq;
    this.persist();
    this.fatalMessage = null;
    this.fatalCode = null;
    this.conn.welcomed();
    this.update({ visitorName: f.visitor.name, fatal: null });
    if (f.pendingConfirms) this.withdrawStale(new Set(f.pendingConfirms));
    for (const [confirmId, accept] of this.answers) this.conn.send({ type: 'confirm', confirmId, accept });
    this.answers.clear();
    if (this.readyFor !== f.conversationId) {
      this.readyFor = f.conversationId;
      this.deps.emit('ready', { conversationId: f.conversationId, visitor: f.visitor });
    }
    this.outbox.connected();
  }

  private onAck(clientId: string, seq: number, id: string): void {
    const item = this.outbox.ack(clientId);
    // With a person answering, no bot reply will come: the next message need not wait for one.
    if (personAnswers(this.saved.messages)) this.outbox.replied();
    if (item && !hasMessage(this.state.entries, id)) {
      this.state.entries = this.state.entries.filter(
        (e) => !(e.kind === 'pending' && e.clientId === clientId),
      );
      this.addMessage({ seq, id, role: 'visitor', text: item.text, at: item.at });
    } else this.persist();
  }

  private onMessage(f: Extract<ServerFrame, { type: 'message' }>): void {
    if (f.role === 'visitor' && f.clientId) {
      if (this.outbox.has(f.clientId)) {
        this.onAck(f.clientId, f.seq, f.id);
        return;
      }
    }
    if (hasMessage(this.state.entries, f.id)) return;
    this.addMessage({
      seq: f.seq,
      id: f.id,
      role: f.role,
      text: f.text,
      at: f.at,
      ...(f.name ? { name: f.name } : {}),
    });
    if (f.role === 'operator') this.update({ typingName: null });
    if (f.role === 'status') this.outbox.replied();
    if (f.role === 'assistant' || f.role === 'operator') {
      if (!this.open) this.setUnread(this.unread + 1);
      this.outbox.replied();
    }
  }

  /** Adds a stored message (replacing its streaming draft); emits `message` once per id. */
  private addMessage(m: StoredMessage): void {
    this.saved.messages.push(m);
    this.saved.lastSeq = Math.max(this.saved.lastSeq, m.seq);
    this.persist();
    this.update({ entries: withMessage(this.state.entries, m) });
    this.deps.emit('message', { ...m });
  }

  private onStream(id: string, delta: string | null): void {
    if (hasMessage(this.state.entries, id)) return;
    // One reply streams at a time: a draft of another id was a turn that ended without a reply.
    const others =
      delta === null ? this.state.entries.filter((e) => e.kind !== 'stream' || e.id === id) : null;
    this.update({ entries: withStream(others ?? this.state.entries, id, delta) });
  }

  private onConfirmRequest(f: ConfirmRequestFrame): void {
    const shown = findConfirm(this.state.entries, f.confirmId);
    if (shown) {
      // Re-sent after a resume, so the server still waits: a click whose frame was lost goes again.
      if (shown.outcome === 'sent' && shown.choice !== null) this.sendAnswer(f.confirmId, shown.choice);
      return;
    }
    const entries = withConfirm(this.state.entries, f);
    if (!entries) return;
    this.update({ entries });
    // A card waits on the visitor, not the visitor on it: the next message may go (issue #14).
    this.outbox.replied();
    if (!this.open) this.setUnread(this.unread + 1);
    const ms = Date.parse(f.expiresAt) - Date.now();
    if (ms > 0) this.later(() => this.settleConfirm(f.confirmId, 'expired', true), ms);
    this.deps.emit('confirm', {
      confirmId: f.confirmId,
      tool: f.tool,
      summary: f.summary,
      outcome: 'pending',
    });
  }

  /**
   * Cards the server no longer waits on (it restarted): unclicked ones, and clicks that never left
   * this page, show "Nothing was changed" and can no longer be clicked. A click already sent is
   * left to the stored reply, which says what happened.
   */
  private withdrawStale(live: Set<string>): void {
    for (const e of this.state.entries) {
      if (e.kind !== 'confirm' || live.has(e.confirmId)) continue;
      if (e.outcome === 'pending' || (e.outcome === 'sent' && this.answers.has(e.confirmId))) {
        this.answers.delete(e.confirmId);
        this.settleConfirm(e.confirmId, 'withdrawn');
      }
    }
  }

  /** A confirm card's outcome (from the server, or `expired` locally if still unanswered). */
  private settleConfirm(
    confirmId: string,
    outcome: ConfirmResultFrame['outcome'],
    onlyIfPending = false,
  ): void {
    const card = findConfirm(this.state.entries, confirmId);
    if (!card || (onlyIfPending && card.outcome !== 'pending')) return;
    this.update({ entries: this.state.entries.map((e) => (e === card ? { ...card, outcome } : e)) });
    this.deps.emit('confirm', { confirmId, tool: card.tool, summary: card.summary, outcome });
  }

  private onError(f: Extract<ServerFrame, { type: 'error' }>): void {
    const { code, message, clientId, ref } = f;
    this.deps.emit('error', { code, message });
    if (clientId && this.outbox.has(clientId)) {
      this.refused(clientId, code, message, f.retryAfterMs);
      return;
    }
    // A frame-level rate limit names no client id; if a message was in flight, it was that one.
    const sending = this.outbox.sending;
    if (code === 'rate_limited' && sending) {
      this.refused(sending, code, message, f.retryAfterMs);
      return;
    }
    if (isTransient(code)) return;
    if (FATAL.has(code)) {
      // For the site's developer: the code to look up, and where the server says why.
      const why = code === 'unauthorized' || code === 'token_expired' ? ' The server log says why.' : '';
      console.error(`[Deputy] ${code}: ${message}${why}`);
      this.fatalMessage = message;
      this.fatalCode = code;
      return;
    }
    // The correlation id lets support find a failure in the server logs; a spent budget is no failure.
    const text = ref && code !== 'model_budget' ? `${message} (ref ${ref})` : message;
    const notice: Entry = { kind: 'notice', key: `n:${newClientId()}`, text };
    this.update({ entries: insert(this.state.entries, notice) });
    this.outbox.replied();
  }

  /** The server refused a queued message: it waits and goes again (with a polite note), or is shown as not sent. */
  private refused(clientId: string, code: string, message: string, retryAfterMs?: number): void {
    const outcome = this.outbox.refuse(clientId, code, retryAfterMs);
    const isMine = (e: Entry): boolean => e.kind === 'pending' && e.clientId === clientId;
    if (!outcome.kept) {
      this.persist();
      const next = replaceWhere(this.state.entries, isMine, (e) => ({
        ...(e as PendingEntry),
        error: cleanText(message),
      }));
      if (next) this.update({ entries: next });
      return;
    }
    // `busy` clears within seconds and a restart shows "Reconnecting…"; a limit gets a note until the resend.
    if (code === 'busy' || outcome.waitMs === 0) return;
    const mark = (waiting: boolean): void => {
      const next = replaceWhere(this.state.entries, isMine, (e) => ({ ...(e as PendingEntry), waiting }));
      if (next) this.update({ entries: next });
    };
    mark(true);
    this.later(() => mark(false), outcome.waitMs);
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
    if (this.identityKnown) save(this.key, { ...this.saved, outbox: this.outbox.items });
  }

  private update(patch: Partial<ViewState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }
}

type PendingEntry = Extract<Entry, { kind: 'pending' }>;

function pendingEntry(clientId: string, text: string, at: string): Entry {
  return { kind: 'pending', key: `p:${clientId}`, clientId, text, at, error: null, waiting: false };
}
