import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { StatusEvent } from '../../shared/protocol.js';
import { LOOP_REPLIES } from '../agent/loop.js';
import type { Model } from '../agent/model.js';
import { detectIntent } from '../agent/models/rules/intents.js';
import { allStrings } from '../agent/models/rules/strings.js';
import type { SiteConfig } from '../config.js';
import { messageFrame } from '../gateway/frames.js';
import type { ConversationHub } from '../gateway/hub.js';
import type { TurnGuard } from '../gateway/turn.js';
import type { ConversationStore } from '../store/conversations.js';
import type { Database } from '../store/schema.js';
import type { ConsoleHub } from './console-hub.js';
import type { NoteStore } from './notes.js';
import { withinOfficeHours } from './office-hours.js';
import type { OwnedConversation, OwnershipStore } from './ownership.js';
import { withRequestHuman } from './request-human.js';
import { handoffSummary } from './summary.js';

export interface HandoffDeps {
  db: Kysely<Database>;
  ownership: OwnershipStore;
  notes: NoteStore;
  conversations: ConversationStore;
  hub: ConversationHub;
  consoles: ConsoleHub;
  sites: Map<string, SiteConfig>;
  log: FastifyBaseLogger;
  /** Publishes a conversation's new state to the consoles (server/console/plugin.ts). */
  announce(conversationId: string, event?: 'queued'): Promise<void>;
  now?: () => Date;
}

/** Minutes a person needs per conversation ahead, for the visitor's rough expected wait. */
const MINUTES_PER_CONVERSATION = 3;

/** Replies that mean the assistant did not help (in every locale of the rules model). */
const UNHELPFUL = new Set<string>([LOOP_REPLIES.cap, ...allStrings().map((s) => s.outOfScope)]);

/**
 * Decides who answers (docs/architecture.md §10) and hands conversations to people: when the visitor
 * asks (the rules model's intent, whatever model the site runs), when the assistant fails twice in a
 * row, and on a model outage. Implements the gateway's TurnGuard.
 */
export class Handoff implements TurnGuard {
  readonly #running = new Map<string, Set<() => void>>();
  /**
   * What `beforeTurn` read of a conversation whose turn is running: the failure streak (so a helpful
   * turn writes it only when it changes) and whether the first model step may rely on that read.
   * Turns of one conversation run one at a time across nodes (server/gateway/turn-order.ts), and
   * only turns raise `failures` (every other change sets it to 0), so the streak read at the start
   * still holds at the end of the turn.
   */
  readonly #turns = new Map<string, { failures: number; firstStepChecked: boolean }>();

  constructor(private readonly deps: HandoffDeps) {}

  /** Someone can answer now: an operator of the site is online, within office hours. */
  available(siteId: string): boolean {
    const hours = this.deps.sites.get(siteId)?.officeHours;
    return this.deps.consoles.online(siteId) > 0 && withinOfficeHours(hours, this.deps.now?.() ?? new Date());
  }

  /**
   * Whether the bot may take a model step. While queued with nobody available the bot keeps the
   * visitor company and offers a ticket (the existing flow); once a person can answer it stops.
   */
  async canBotAnswer(conversationId: string): Promise<boolean> {
    const c = await this.deps.ownership.get(conversationId);
    if (!c || c.owner === 'bot') return true;
    return c.owner === 'queue' && !this.available(c.siteId);
  }

  /**
   * The model, checked before every step (docs/architecture.md §10): when a person owns the
   * conversation (taken on this node or another), the running turn is silenced instead.
   */
  guardModel(model: Model, conversationId: string): Model {
    const self = this;
    const guarded: Model = {
      name: model.name,
      async *step(req, signal) {
        // The first step follows beforeTurn's read of the owner at once, so it relies on it. Every
        // later step (after a tool call) reads the owner fresh: an operator who took the conversation
        // on another node is known here only from the database (docs/architecture.md §10).
        const turn = self.#turns.get(conversationId);
        if (turn?.firstStepChecked) turn.firstStepChecked = false;
        else if (!(await self.canBotAnswer(conversationId))) {
          self.silence(conversationId);
          throw new Error('a person owns this conversation');
        }
        yield* model.step(req, signal);
      },
    };
    return withRequestHuman(guarded, (reason) => this.request(conversationId, 'model_requested', reason));
  }

  /**
   * Owner rows read by the statement that took a turn's lease, just before that turn runs
   * (server/gateway/turn-order.ts, `withTake`): its `read` uses it instead of reading again.
   */
  readonly #taken = new Map<string, OwnedConversation | null>();

  /** The owner row the lease's take read for the turn about to run (see #taken). */
  taken(conversationId: string, row: OwnedConversation | null): void {
    this.#taken.set(conversationId, row);
  }

  /** That turn ended: its row is never used by a later one. */
  forgetTaken(conversationId: string): void {
    this.#taken.delete(conversationId);
  }

  /**
   * The owner row, read before the turn (its last_seq also serves the conversation's kept tail):
   * the one the turn's lease take read, when it did (once), else read now.
   */
  read(conversationId: string): Promise<OwnedConversation | null> {
    const taken = this.#taken.get(conversationId);
    if (taken !== undefined) {
      this.#taken.delete(conversationId);
      return Promise.resolve(taken);
    }
    return this.deps.ownership.get(conversationId);
  }

  async beforeTurn(
    conversationId: string,
    visitorText: string,
    state?: OwnedConversation | null,
  ): Promise<boolean> {
    this.#turns.delete(conversationId);
    let c = state !== undefined ? state : await this.deps.ownership.get(conversationId);
    if (!c) return true;
    if (c.status === 'resolved' && (await this.deps.ownership.reopen(conversationId))) {
      await this.deps.announce(conversationId);
      c = { ...c, status: 'open' };
    }
    if (c.owner === 'operator') return false;
    if (c.owner === 'queue') return !this.available(c.siteId);
    if ((await detectIntent(visitorText)).kind === 'human') {
      await this.request(conversationId, 'visitor_asked');
      return !this.available(c.siteId);
    }
    // The bot owns it: the first model step need not read again (see guardModel).
    this.#turns.set(conversationId, { failures: c.failures, firstStepChecked: true });
    return true;
  }

  track(conversationId: string, silence: () => void): () => void {
    let set = this.#running.get(conversationId);
    if (!set) {
      set = new Set();
      this.#running.set(conversationId, set);
    }
    set.add(silence);
    return () => {
      this.#turns.delete(conversationId);
      set.delete(silence);
      if (set.size === 0) this.#running.delete(conversationId);
    };
  }

  /** A person took the conversation: any turn still running for it stops. */
  silence(conversationId: string): void {
    for (const stop of this.#running.get(conversationId) ?? []) stop();
  }

  async afterTurn(
    conversationId: string,
    outcome: { reply: string; toolErrors: number } | { failed: string },
  ): Promise<void> {
    const turn = this.#turns.get(conversationId);
    this.#turns.delete(conversationId);
    if ('failed' in outcome) {
      if (outcome.failed === 'model_unavailable') await this.request(conversationId, 'model_outage');
      return;
    }
    if (outcome.reply === LOOP_REPLIES.unavailable) return this.request(conversationId, 'model_outage');
    // A tool error alone is not a failure to help ("no such ticket" is an answer); a CRM outage
    // shows as the loop's "couldn't finish" reply once its tool errors reach the cap.
    const unhelpful = UNHELPFUL.has(outcome.reply);
    // A helpful turn after helpful turns changes nothing: no write (the common turn).
    if (!unhelpful && turn?.failures === 0) return;
    const streak = await this.deps.ownership.countFailure(conversationId, unhelpful);
    if (streak >= 2) await this.request(conversationId, 'agent_failed');
  }

  /**
   * Bot → queue: the summary is stored as a private note, the visitor is told (expected wait, or
   * that nobody is available), the consoles are notified. A second request while queued is a no-op.
   */
  async request(conversationId: string, reason: string, detail = ''): Promise<void> {
    if (!(await this.deps.ownership.enqueue(conversationId, reason))) return;
    const c = await this.deps.ownership.get(conversationId);
    if (!c) return;
    const summary = await handoffSummary(this.deps.db, conversationId, reason, detail);
    await this.deps.notes.add(conversationId, 'summary', 'Deputy', summary);
    const status: StatusEvent = this.available(c.siteId)
      ? `queued:${await this.#expectedWait(c.siteId)}`
      : 'offline';
    await this.status(conversationId, status);
    await this.deps.announce(conversationId, 'queued');
    this.deps.log.info({ conversationId, reason, status }, 'handoff requested');
  }

  /** Stores and broadcasts a status line for the widget ("Sam joined"). */
  async status(conversationId: string, event: StatusEvent, name?: string): Promise<void> {
    const { message } = await this.deps.conversations.append(conversationId, {
      role: 'status',
      text: event,
      ...(name ? { author: name } : {}),
    });
    this.deps.hub.broadcast(conversationId, messageFrame(message));
  }

  async #expectedWait(siteId: string): Promise<number> {
    const queued = await this.deps.db
      .selectFrom('conversations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('site_id', '=', siteId)
      .where('owner', '=', 'queue')
      .executeTakeFirst();
    const online = Math.max(1, this.deps.consoles.online(siteId));
    const ahead = Math.max(1, Number(queued?.n ?? 1));
    return Math.min(60, Math.max(1, Math.ceil((ahead * MINUTES_PER_CONVERSATION) / online)));
  }
}
