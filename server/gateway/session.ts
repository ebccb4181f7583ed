import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { WIRE_ERRORS, type WireErrorCode } from '../../shared/errors.js';
import {
  ClientFrame,
  type HelloFrame,
  MAX_TEXT_CHARS,
  type ServerFrame,
  type VisitorMessageFrame,
} from '../../shared/protocol.js';
import type { VisitorAgent } from '../agent/agent.js';
import { anonymousIdentity, type VisitorIdentity, verifyVisitorToken } from '../auth/visitor-token.js';
import type { SiteConfig } from '../config.js';
import type { Conversation, ConversationStore, StoredMessage } from '../store/conversations.js';
import { newId } from '../store/conversations.js';
import type { ConversationHub } from './hub.js';

export interface GatewayDeps {
  sites: Map<string, SiteConfig>;
  visitorAudience: string;
  conversations: ConversationStore;
  hub: ConversationHub;
  createAgent(identity: VisitorIdentity, conversationId: string): VisitorAgent;
  log: FastifyBaseLogger;
  helloTimeoutMs: number;
}

/** The origin check is done before the upgrade; the hello's site must be one the origin may use. */
export interface SessionOrigin {
  allowedSites: ReadonlySet<string>;
}

function messageFrame(m: StoredMessage): ServerFrame {
  const frame: ServerFrame = {
    type: 'message',
    seq: m.seq,
    id: m.id,
    role: m.role,
    text: m.text,
    at: m.created_at,
  };
  if (m.client_id) frame.clientId = m.client_id;
  return frame;
}

/**
 * One WebSocket: waits for the hello, then stores visitor messages before acknowledging them and
 * runs turns through the conversation's queue. Nothing a visitor sends can throw out of here.
 */
export class Session {
  #identity: VisitorIdentity | null = null;
  #conversation: Conversation | null = null;
  #agent: VisitorAgent | null = null;
  #unsubscribe: (() => void) | null = null;
  #helloTimer: NodeJS.Timeout;
  #helloSeen = false;
  #disposed = false;
  #turnsRunning = 0;
  /** Aborted on server shutdown only: a turn outlives its socket so the reply is stored for resume. */
  readonly #abort = new AbortController();

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: GatewayDeps,
    private readonly origin: SessionOrigin,
  ) {
    this.#helloTimer = setTimeout(() => this.close('hello_timeout'), deps.helloTimeoutMs);
    socket.on('message', (data, isBinary) => {
      this.#onMessage(data as Buffer, isBinary).catch((err: unknown) => this.#fail(err));
    });
    socket.on('close', () => this.#dispose());
    socket.on('error', (err) => deps.log.debug({ err: err.message }, 'socket error'));
  }

  send(frame: ServerFrame): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  error(code: WireErrorCode, extra: { clientId?: string; ref?: string } = {}): void {
    this.send({ type: 'error', code, message: WIRE_ERRORS[code].message, ...extra });
  }

  /** Sends a coded error frame, then closes with the code's close code. */
  close(code: WireErrorCode): void {
    this.error(code);
    const closeCode = (WIRE_ERRORS[code] as { close?: number }).close ?? 1008;
    this.socket.close(closeCode, code);
  }

  async #onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    if (isBinary) return this.close('binary_frame');
    let json: unknown;
    try {
      json = JSON.parse(data.toString('utf8'));
    } catch {
      return this.error('bad_json');
    }
    const tooLong =
      typeof json === 'object' &&
      json !== null &&
      (json as { type?: unknown }).type === 'message' &&
      typeof (json as { text?: unknown }).text === 'string' &&
      (json as { text: string }).text.length > MAX_TEXT_CHARS;
    if (tooLong) {
      const clientId = (json as { clientId?: unknown }).clientId;
      return this.error(
        'text_too_long',
        typeof clientId === 'string' ? { clientId: clientId.slice(0, 64) } : {},
      );
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) return this.error('bad_frame');
    const frame = parsed.data;
    if (frame.type === 'hello') return this.#onHello(frame);
    if (!this.#conversation || !this.#identity) return this.error('hello_required');
    if (frame.type === 'message') return this.#onVisitorMessage(frame);
    if (!this.deps.hub.answerConfirm(this.#conversation.id, frame.confirmId, frame.accept)) {
      this.error('confirmation_unknown');
    }
  }

  async #onHello(frame: HelloFrame): Promise<void> {
    if (this.#helloSeen) return this.error('bad_frame');
    this.#helloSeen = true;
    clearTimeout(this.#helloTimer);
    const site = this.deps.sites.get(frame.site);
    if (!site) return this.close('unknown_site');
    if (!this.origin.allowedSites.has(site.id)) return this.close('forbidden_origin');
    let identity: VisitorIdentity;
    if (frame.token) {
      const verified = await verifyVisitorToken(site, frame.token, this.deps.visitorAudience);
      if (!verified.ok) return this.close(verified.code);
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
    }
    if (frame.conversationId && !conversation) this.error('conversation_not_found');
    conversation ??= await store.create(site.id, identity.sub);
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.#identity = identity;
    this.#conversation = conversation;
    this.#agent = this.deps.createAgent(identity, conversation.id);
    const history = await store.since(conversation.id, resumed ? (frame.lastSeq ?? 0) : 0);
    const last = history.at(-1)?.seq ?? frame.lastSeq ?? 0;
    this.send({
      type: 'welcome',
      conversationId: conversation.id,
      visitor: { name: identity.name, anonymous: identity.anonymous },
      lastSeq: Math.max(last, conversation.lastSeq),
      resumed,
    });
    for (const m of history) this.send(messageFrame(m));
    this.#unsubscribe = this.deps.hub.subscribe(conversation.id, this);
    const inflight = this.deps.hub.inflight(conversation.id);
    if (inflight) {
      this.send({ type: 'reply_start', id: inflight.id });
      if (inflight.text) this.send({ type: 'delta', id: inflight.id, text: inflight.text });
    }
  }

  async #onVisitorMessage(frame: VisitorMessageFrame): Promise<void> {
    const conversation = this.#conversation!;
    const stored = await this.deps.conversations.append(conversation.id, {
      role: 'visitor',
      text: frame.text,
      clientId: frame.clientId,
    });
    this.send({
      type: 'ack',
      clientId: frame.clientId,
      seq: stored.message.seq,
      id: stored.message.id,
      duplicate: stored.duplicate,
    });
    if (stored.duplicate) return;
    this.deps.hub.broadcast(conversation.id, messageFrame(stored.message));
    void this.deps.hub.enqueue(conversation.id, () => this.#runTurn(conversation));
  }

  async #runTurn(conversation: Conversation): Promise<void> {
    const hub = this.deps.hub;
    const agent = this.#agent;
    if (!agent) return;
    this.#turnsRunning++;
    const replyId = newId('msg');
    hub.startReply(conversation.id, replyId);
    try {
      const history = await this.deps.conversations.recent(conversation.id, 20);
      const sink = {
        delta: (text: string) => hub.appendReply(conversation.id, text),
        tool: (callId: string, name: string, label: string, status: 'running' | 'done' | 'error') =>
          hub.broadcast(conversation.id, { type: 'tool', callId, name, label, status }),
        confirm: (card: { tool: string; summary: string; expiresAt: string }) =>
          hub.requestConfirm(conversation.id, { confirmId: newId('cf'), ...card }),
      };
      const text = await agent.reply(history, sink, this.#abort.signal);
      // Stored before it is marked complete: the final message frame is the completion.
      const { message } = await this.deps.conversations.append(conversation.id, {
        role: 'assistant',
        text: text || '…',
        id: replyId,
      });
      hub.endReply(conversation.id);
      hub.broadcast(conversation.id, messageFrame(message));
    } catch (err) {
      hub.endReply(conversation.id);
      const ref = randomBytes(4).toString('hex');
      this.deps.log.error({ err, ref, conversationId: conversation.id }, 'turn failed');
      hub.broadcast(conversation.id, {
        type: 'error',
        code: 'internal',
        message: WIRE_ERRORS.internal.message,
        ref,
      });
    } finally {
      this.#turnsRunning--;
      if (this.#disposed && this.#turnsRunning === 0) void agent.close();
    }
  }

  #fail(err: unknown): void {
    const ref = randomBytes(4).toString('hex');
    this.deps.log.error({ err, ref }, 'frame handling failed');
    this.error('internal', { ref });
  }

  #dispose(): void {
    clearTimeout(this.#helloTimer);
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#disposed = true;
    if (this.#turnsRunning === 0) void this.#agent?.close();
  }
}
