import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { WIRE_ERRORS, type WireErrorCode } from '../../shared/errors.js';
import {
  ClientFrame,
  type ErrorFrame,
  type HelloFrame,
  MAX_TEXT_CHARS,
  type ServerFrame,
  type VisitorMessageFrame,
} from '../../shared/protocol.js';
import type { VisitorAgent } from '../agent/agent.js';
import { anonymousIdentity, type VisitorIdentity, verifyVisitorToken } from '../auth/visitor-token.js';
import type { Limits, SiteConfig } from '../config.js';
import { maskText } from '../mask.js';
import type { Metrics } from '../metrics.js';
import type { Appended, Conversation, ConversationStore } from '../store/conversations.js';
import { turnMark } from '../turn-trace.js';
import type { Admission, Budgets } from './budgets.js';
import type { ConnectionCaps } from './connection-caps.js';
import type { GatewayControl } from './control.js';
import { type Corkable, FrameBatch } from './frame-batch.js';
import { messageFrame } from './frames.js';
import type { ConversationHub } from './hub.js';
import { sendPaced } from './paced-send.js';
import { TokenBucket } from './rate-limit.js';
import { answerTurn, type TurnGuard } from './turn.js';
import { wireMessage } from './wire-text.js';

export interface GatewayDeps {
  sites: Map<string, SiteConfig>;
  visitorAudience: string;
  conversations: ConversationStore;
  hub: ConversationHub;
  /** The agent for one visitor and conversation; `locale` is the widget's (hello), e.g. `ar`. */
  createAgent(identity: VisitorIdentity, conversationId: string, locale: string): VisitorAgent;
  log: FastifyBaseLogger;
  limits: Limits;
  metrics: Metrics;
  budgets: Budgets;
  control: GatewayControl;
  /** Handoff: whether the bot answers, and the visitor's typing shown to operators (server/console). */
  guard?: TurnGuard;
  visitorTyping?(conversationId: string, on: boolean): void;
  /**
   * A signed-in visitor's recent conversation, for a browser that has none stored (continuity
   * across devices, docs/scaling.md); absent = every new browser starts a new conversation.
   */
  latestConversation?(siteId: string, subject: string): Promise<Conversation | null>;
}

/** What the upgrade established: the sites the page's origin may use, and who is connecting. */
export interface SessionOrigin {
  allowedSites: ReadonlySet<string>;
  /** Request id of the upgrade, carried by every log line of the session. */
  reqId?: string;
  /** Per-visitor connection cap (WS9); absent in tests that build a session by hand. */
  visitorCaps?: ConnectionCaps;
  /** The TCP socket under the WebSocket: several frames of one event-loop turn leave in one write. */
  raw?: Corkable;
  /** The client opened `/ws?batch=1`: frames of one event-loop turn go as one message (an array). */
  batch?: boolean;
}

/** The visitor key of budgets and caps: a visitor is a subject within a site. */
export function visitorKey(identity: VisitorIdentity): string {
  return `${identity.site}:${identity.sub}`;
}

/** Live frames a session holds while it replays history before it closes the reader as too slow. */
const MAX_HELD_FRAMES = 1000;

/**
 * One WebSocket: waits for the hello, then stores visitor messages before acknowledging them and
 * runs turns through the conversation's queue. Nothing a visitor sends can throw out of here:
 * every handler is caught, invalid or excessive frames count toward an abuse budget (close 1008).
 */
export class Session {
  #identity: VisitorIdentity | null = null;
  #conversation: Conversation | null = null;
  #agent: VisitorAgent | null = null;
  #unsubscribe: (() => void) | null = null;
  #releaseVisitor: (() => void) | null = null;
  #helloTimer: NodeJS.Timeout;
  #helloSeen = false;
  /** The widget's locale (its hello): every error this session sends is in it. */
  #locale = 'en';
  #disposed = false;
  #turnsRunning = 0;
  #strikes = 0;
  /** Live frames arriving while the resume replay is being sent (null when not replaying). */
  #held: ServerFrame[] | null = null;
  #log: FastifyBaseLogger;
  readonly #frames: TokenBucket;
  /** What this event-loop turn sends, sent together when it ends. */
  readonly #out: FrameBatch;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: GatewayDeps,
    private readonly origin: SessionOrigin,
  ) {
    this.#log = deps.log.child({ reqId: origin.reqId ?? null });
    this.#frames = new TokenBucket(deps.limits.frameBurst, deps.limits.framesPerSecond);
    this.#out = new FrameBatch(socket, origin.raw);
    this.#out.batch = origin.batch === true;
    this.#helloTimer = setTimeout(() => this.close('hello_timeout'), deps.limits.helloTimeoutMs);
    deps.metrics.connections.inc();
    deps.control.sessions.add(this);
    socket.on('message', (data, isBinary) => {
      try {
        this.#onMessage(data as Buffer, isBinary).catch((err: unknown) => this.#fail(err));
      } catch (err) {
        this.#fail(err);
      }
    });
    socket.on('close', () => this.#dispose());
    socket.on('error', (err) => this.#log.debug({ err: err.message }, 'socket error'));
  }

  send(frame: ServerFrame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.#held) {
      // Bounded like the socket buffer: a conversation that outpaces a replay this much is dropped.
      if (this.#held.length >= MAX_HELD_FRAMES) this.#closeSlowReader();
      else this.#held.push(frame);
      return;
    }
    // A reader that cannot keep up must not make us buffer without bound: it reconnects and resumes.
    if (this.socket.bufferedAmount > this.deps.limits.maxBufferedBytes) this.#closeSlowReader();
    else this.#out.push(JSON.stringify(frame));
  }

  error(code: WireErrorCode, extra: Omit<ErrorFrame, 'type' | 'code' | 'message'> = {}): void {
    this.send({ type: 'error', code, message: wireMessage(code, this.#locale), ...extra });
  }

  /** Sends a coded error frame, then closes with the code's close code. */
  close(code: WireErrorCode): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.error(code);
    this.#out.flush();
    const closeCode = (WIRE_ERRORS[code] as { close?: number }).close ?? 1008;
    this.socket.close(closeCode, code);
  }

  /** An invalid or excessive frame: answered, counted, and past the budget the socket is closed. */
  #strike(code: WireErrorCode, extra: Omit<ErrorFrame, 'type' | 'code' | 'message'> = {}): void {
    this.deps.metrics.framesRejected.inc({ code });
    this.#strikes++;
    if (this.#strikes >= this.deps.limits.abuseStrikes) {
      this.deps.metrics.connectionsRefused.inc({ reason: 'abuse' });
      this.#log.warn({ strikes: this.#strikes, last: code }, 'closing an abusive connection');
      this.close('abuse');
      return;
    }
    this.error(code, extra);
  }

  async #onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.#disposed) return;
    if (isBinary) return this.close('binary_frame');
    if (!this.#frames.take())
      return this.#strike('rate_limited', { retryAfterMs: this.#frames.retryAfterMs() });
    let json: unknown;
    try {
      json = JSON.parse(data.toString('utf8'));
    } catch {
      return this.#strike('bad_json');
    }
    const tooLong =
      typeof json === 'object' &&
      json !== null &&
      (json as { type?: unknown }).type === 'message' &&
      typeof (json as { text?: unknown }).text === 'string' &&
      (json as { text: string }).text.length > MAX_TEXT_CHARS;
    if (tooLong) {
      const clientId = (json as { clientId?: unknown }).clientId;
      return this.#strike(
        'text_too_long',
        typeof clientId === 'string' ? { clientId: clientId.slice(0, 64) } : {},
      );
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) return this.#strike('bad_frame');
    const frame = parsed.data;
    if (frame.type === 'hello') return this.#onHello(frame);
    if (!this.#conversation || !this.#identity) return this.#strike('hello_required');
    if (frame.type === 'message') return this.#onVisitorMessage(frame);
    if (frame.type === 'typing') return this.deps.visitorTyping?.(this.#conversation.id, frame.on);
    // Claimed here whichever node showed the card; an accepted write is made here, with this
    // visitor's own agent (docs/scaling.md).
    const agent = this.#agent;
    const answered = await this.deps.hub.answerConfirm(
      this.#conversation.id,
      frame.confirmId,
      frame.accept,
      (tool, args, state) => {
        if (!agent) throw new Error('no agent');
        return agent.confirmedWrite(tool, args, state);
      },
    );
    if (!answered) this.#strike('confirmation_unknown');
  }

  async #onHello(frame: HelloFrame): Promise<void> {
    if (this.#helloSeen) return this.#strike('bad_frame');
    this.#helloSeen = true;
    clearTimeout(this.#helloTimer);
    this.#locale = frame.locale ?? 'en';
    const site = this.deps.sites.get(frame.site);
    if (!site) return this.close('unknown_site');
    if (!this.origin.allowedSites.has(site.id)) return this.close('forbidden_origin');
    let identity: VisitorIdentity;
    if (frame.token) {
      const verified = await verifyVisitorToken(site, frame.token, this.deps.visitorAudience);
      if (!verified.ok) {
        const { code, reason } = verified;
        this.deps.metrics.tokenRefusals.inc({ reason });
        this.#log.info({ site: site.id, code, reason }, `visitor token refused: ${reason}`);
        return this.close(verified.code);
      }
      identity = verified.identity;
    } else {
      identity = anonymousIdentity(site);
    }
    const store = this.deps.conversations;
    let conversation: Conversation | null = null;
    let resumed = false;
    if (frame.conversationId && !identity.anonymous) {
      conversation = await store.findOwned(frame.conversationId, site.id, identity.sub);
      resumed = conversation !== null;
    } else if (frame.conversationId) {
      // An anonymous visitor's random conversation id is its only proof of ownership.
      const row = await store.findAnonymous(frame.conversationId, site.id);
      if (row) {
        conversation = row;
        identity = { ...identity, sub: row.subject };
        resumed = true;
      }
    } else if (frame.latest && !identity.anonymous && this.deps.latestConversation) {
      // A signed-in visitor in a browser with nothing stored: their recent conversation, found by
      // site and verified subject. Anonymous visitors stay per browser.
      conversation = await this.deps.latestConversation(site.id, identity.sub);
      resumed = conversation !== null;
    }
    if (this.socket.readyState !== this.socket.OPEN) return;
    const release = this.origin.visitorCaps?.acquire(visitorKey(identity));
    if (release === null) {
      this.deps.metrics.connectionsRefused.inc({ reason: 'per_visitor' });
      return this.close('too_many_connections');
    }
    this.#releaseVisitor = release ?? null;
    if (frame.conversationId && !conversation) this.error('conversation_not_found');
    conversation ??= await store.create(site.id, identity.sub);
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.#identity = identity;
    this.#conversation = conversation;
    this.#log = this.#log.child({ site: site.id, conversationId: conversation.id });
    this.#agent = this.deps.createAgent(identity, conversation.id, frame.locale ?? 'en');
    // Subscribed before reading history, so nothing stored meanwhile is missed: live frames wait in
    // #held until the replay is sent (the widget drops message frames whose seq it has seen).
    this.#held = [];
    this.#unsubscribe = this.deps.hub.subscribe(conversation.id, this, conversation.lastSeq);
    const latest = resumed ? await store.recent(conversation.id, 1) : [];
    const cards = await this.deps.hub.pendingConfirms(conversation.id);
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.send({
      type: 'welcome',
      conversationId: conversation.id,
      visitor: { name: identity.name, anonymous: identity.anonymous },
      lastSeq: Math.max(latest.at(-1)?.seq ?? 0, conversation.lastSeq),
      resumed,
      pendingConfirms: cards.map((c) => c.confirmId),
    });
    const replayed = await this.#replay(conversation.id, resumed ? (frame.lastSeq ?? 0) : 0);
    if (replayed === false) return;
    await this.#releaseHeld(conversation.id, replayed);
    this.#log.info({ resumed, anonymous: identity.anonymous }, 'chat session started');
    // A visitor message stored but never answered (the previous process died mid-turn) is answered
    // now, so a restart resumes every conversation. The check and the enqueue are synchronous.
    const c = conversation;
    const last = latest.at(-1);
    if (last?.role === 'visitor' && !this.deps.hub.busy(c.id) && !this.deps.control.draining) {
      // A card asked for that very message is adopted by this turn, not withdrawn.
      const hub = this.deps.hub;
      void hub.enqueue(c.id, () => this.#runTurn(c), {
        contended: () => hub.confirms.withdraw({ conversationId: c.id, before: last.seq }),
      });
    }
  }

  async #onVisitorMessage(frame: VisitorMessageFrame): Promise<void> {
    const conversation = this.#conversation!;
    turnMark(conversation.id, 'received', frame.clientId);
    if (this.deps.control.draining) {
      // Not stored: the widget's outbox keeps it and resends it to the next process.
      this.deps.metrics.messages.inc({ outcome: 'refused' });
      return this.error('shutting_down', { clientId: frame.clientId });
    }
    const key = visitorKey(this.#identity!);
    const msg = { role: 'visitor' as const, text: frame.text, clientId: frame.clientId };
    // Budgets kept in the database are admitted in the append's own statement (one round trip);
    // in memory, first. Either way a refused message is neither counted nor stored.
    const clause = this.deps.conversations.admitsInAppend
      ? this.deps.budgets.admissionClause?.(key)
      : undefined;
    let stored: Appended;
    if (clause) {
      const result = await this.deps.conversations.appendAdmitted(conversation.id, msg, clause);
      if (!result.stored) return this.#refused(frame.clientId, result.admission);
      stored = result.stored;
    } else {
      const admitted = await this.deps.budgets.admitMessage(key);
      if (!admitted.ok) return this.#refused(frame.clientId, admitted);
      stored = await this.deps.conversations.append(conversation.id, msg);
    }
    this.deps.metrics.messages.inc({ outcome: stored.duplicate ? 'duplicate' : 'stored' });
    turnMark(conversation.id, 'stored');
    this.#log.debug(
      { clientId: frame.clientId, seq: stored.message.seq, text: maskText(frame.text.slice(0, 200)) },
      'visitor message stored',
    );
    this.send({
      type: 'ack',
      clientId: frame.clientId,
      seq: stored.message.seq,
      id: stored.message.id,
      duplicate: stored.duplicate,
    });
    if (stored.duplicate) return;
    this.deps.hub.broadcast(conversation.id, messageFrame(stored.message));
    // Writing instead of clicking withdraws a waiting card (on whichever node): its turn ends and
    // this message is answered next (issue #14: no turn ever waits on the visitor). A card's turn on
    // another node is withdrawn by this message's turn when it finds that turn's lease held.
    const hub = this.deps.hub;
    await hub.confirms.visitorWrote(conversation.id);
    const seq = stored.message.seq;
    void hub.enqueue(conversation.id, () => this.#runTurn(conversation), {
      contended: () => hub.confirms.withdraw({ conversationId: conversation.id, before: seq }),
    });
  }

  /** A visitor message over the visitor's budget: refused with its code, counted as a strike. */
  #refused(clientId: string, admission: Admission): void {
    if (admission.ok) return;
    this.deps.metrics.messages.inc({ outcome: 'refused' });
    this.deps.metrics.budgetRefusals.inc({
      budget: admission.code === 'rate_limited' ? 'messages' : 'model_calls',
    });
    this.#strike(admission.code, { clientId, retryAfterMs: admission.retryAfterMs });
  }

  async #runTurn(conversation: Conversation): Promise<void> {
    const agent = this.#agent;
    if (!agent) return;
    this.#turnsRunning++;
    if (this.#identity) this.deps.budgets.turnStarted?.(visitorKey(this.#identity));
    try {
      await answerTurn({ ...this.deps, log: this.#log, locale: this.#locale }, conversation.id, agent);
    } finally {
      if (this.#identity)
        this.deps.budgets
          .turnEnded?.(visitorKey(this.#identity))
          .catch((err: unknown) => this.#log.warn({ err }, 'budget reservation not given back'));
      this.#turnsRunning--;
      // The turn outlives its socket (the reply is stored for resume); the agent closes after it.
      if (this.#disposed && this.#turnsRunning === 0) void agent.close();
    }
  }

  /**
   * Sends stored messages after `afterSeq` in pages, paced by what the reader takes. Resolves with
   * the last seq sent (false when the reader was too slow or went away).
   */
  async #replay(conversationId: string, afterSeq: number): Promise<number | false> {
    const page = 200;
    // The replay writes to the socket itself (paced): whatever was queued before it goes first.
    this.#out.flush();
    for (let after = afterSeq; ; ) {
      const rows = await this.deps.conversations.since(conversationId, after, page);
      for (const m of rows) {
        const sent = await sendPaced(this.socket, JSON.stringify(messageFrame(m)), this.deps.limits);
        if (!sent) {
          this.#closeSlowReader();
          return false;
        }
        after = m.seq;
      }
      if (rows.length < page) return this.socket.readyState === this.socket.OPEN ? after : false;
    }
  }

  /**
   * Live frames held during the replay (messages the replay already sent are dropped); a streaming
   * reply is sent as one snapshot instead.
   */
  async #releaseHeld(conversationId: string, replayedThrough: number): Promise<void> {
    const cards = await this.deps.hub.pendingConfirms(conversationId);
    const held = this.#held ?? [];
    this.#held = null;
    const inflight = this.deps.hub.inflight(conversationId);
    for (const frame of held) {
      const partOfInflight =
        (frame.type === 'reply_start' || frame.type === 'delta') && frame.id === inflight?.id;
      const replayed = frame.type === 'message' && frame.seq <= replayedThrough;
      if (!partOfInflight && !replayed) this.send(frame);
    }
    if (inflight) {
      this.send({ type: 'reply_start', id: inflight.id });
      if (inflight.text) this.send({ type: 'delta', id: inflight.id, text: inflight.text });
    }
    const heldCards = new Set(held.flatMap((f) => (f.type === 'confirm_request' ? [f.confirmId] : [])));
    for (const card of cards) {
      if (!heldCards.has(card.confirmId)) this.send(card);
    }
  }

  #closeSlowReader(): void {
    // What was queued before the overflow is handed to the socket, as it was when sent one by one.
    this.#out.flush();
    this.deps.metrics.connectionsRefused.inc({ reason: 'slow_reader' });
    this.socket.close(WIRE_ERRORS.slow_reader.close, 'slow_reader');
  }

  #fail(err: unknown): void {
    const ref = randomBytes(4).toString('hex');
    this.#log.error({ err, ref }, 'frame handling failed');
    this.error('internal', { ref });
  }

  #dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    clearTimeout(this.#helloTimer);
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#releaseVisitor?.();
    this.deps.metrics.connections.dec();
    this.deps.control.sessions.delete(this);
    if (this.#turnsRunning === 0) void this.#agent?.close();
  }
}
