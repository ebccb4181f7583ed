import type { Kysely } from 'kysely';
import type { ConfirmRequestFrame, ConfirmResultFrame } from '../../shared/protocol.js';
import type { ConfirmAnswer } from '../agent/loop.js';
import { loopError } from '../agent/loop-errors.js';
import type { ToolResultForModel } from '../agent/model.js';
import { canonicalJson } from '../mcp/confirmation.js';
import { nowIso } from '../store/db.js';
import type { Database, PendingConfirmStatus, PendingConfirmsTable } from '../store/schema.js';

type Outcome = ConfirmResultFrame['outcome'];

/** A card a turn asks the visitor to confirm, with what the confirmed call needs. */
export interface CardRequest {
  confirmId: string;
  /** The visitor message (seq) the asking turn answers. */
  forSeq: number;
  tool: string;
  args: Record<string, unknown>;
  summary: string;
  expiresAt: string;
  /** The MCP server's signed confirmation state: kept in the database, never sent to a widget. */
  state: string;
}

/** Performs the confirmed call on the node where the click arrived (the visitor's own agent). */
export type ConfirmedCall = (
  tool: string,
  args: Record<string, unknown>,
  state: string,
) => Promise<ToolResultForModel>;

export interface BoardDeps {
  db: Kysely<Database>;
  nodeId: string;
  /** Frames to this node's sockets of a conversation. */
  deliver(conversationId: string, frame: ConfirmRequestFrame | ConfirmResultFrame): void;
  /** Tells every node a card changed (a live pointer). */
  announce(conversationId: string, confirmId: string): void;
  log: { warn(obj: object, msg: string): void };
}

/** How long past its expiry a card being written by another node is waited for (tool timeout and margin). */
const WRITE_GRACE_MS = 15_000;

const FINAL: ReadonlySet<PendingConfirmStatus> = new Set([
  'declined',
  'withdrawn',
  'expired',
  'done',
  'failed',
]);

function cardFrame(r: PendingConfirmsTable): ConfirmRequestFrame {
  return {
    type: 'confirm_request',
    confirmId: r.id,
    tool: r.tool,
    summary: r.summary,
    expiresAt: r.expires_at,
  };
}

/** The widget-visible outcome of a stored status (`accepted` while the write runs, and after). */
function outcomeOf(status: PendingConfirmStatus): Outcome | null {
  if (status === 'pending') return null;
  if (status === 'accepted' || status === 'done' || status === 'failed') return 'accepted';
  return status;
}

/**
 * Confirm cards in the database (table `pending_confirms`), so any node can answer one
 * (docs/scaling.md): a click claims the card with one conditional UPDATE (exactly one click, on one
 * node, wins), that node performs the confirmed call with the stored state and stores its result,
 * and the turn that asked, wherever it runs, continues with that result. If the asking node died,
 * the turn that answers the same visitor message later (on any node) adopts the card, or finds the
 * write done and its result, instead of asking again. The MCP server's single-use state is the
 * second lock: a state never writes twice (A10, W6).
 */
export class ConfirmBoard {
  readonly #waiters = new Map<string, { conversationId: string; settle(a: ConfirmAnswer): void }>();
  /** What this node's sockets were last told of a card, so a pointer is shown once per change. */
  readonly #shown = new Map<string, Outcome | 'pending'>();
  /**
   * Conversations that may have a card waiting with no turn running for it: read once (what a
   * previous process left), and added to when a turn's request fails after storing its card.
   */
  #loose: Promise<Set<string>> | null = null;
  /** Conversations in which a turn on this node asks a card or waits on one (how many). */
  readonly #asking = new Map<string, number>();

  constructor(private readonly d: BoardDeps) {}

  /**
   * Shows a card and resolves with the visitor's answer, wherever it is clicked. A card for the same
   * write of the same visitor message already on the board (its turn died with its node) is adopted.
   */
  async request(conversationId: string, card: CardRequest): Promise<ConfirmAnswer> {
    this.#asking.set(conversationId, (this.#asking.get(conversationId) ?? 0) + 1);
    try {
      return await this.#ask(conversationId, card);
    } finally {
      const n = (this.#asking.get(conversationId) ?? 1) - 1;
      if (n > 0) this.#asking.set(conversationId, n);
      else this.#asking.delete(conversationId);
    }
  }

  async #ask(conversationId: string, card: CardRequest): Promise<ConfirmAnswer> {
    const args = canonicalJson(card.args);
    const same = await this.d.db
      .selectFrom('pending_confirms')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('for_seq', '=', card.forSeq)
      .where('tool', '=', card.tool)
      .where('args', '=', args)
      .where('status', 'in', ['pending', 'accepted', 'done'])
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (same?.status === 'done') return { outcome: 'accepted', result: parseResult(same.result) };
    let row: PendingConfirmsTable;
    if (same && (same.status === 'accepted' || same.expires_at > nowIso())) {
      await this.d.db
        .updateTable('pending_confirms')
        .set({ node: this.d.nodeId })
        .where('id', '=', same.id)
        .execute();
      row = same;
    } else {
      row = {
        id: card.confirmId,
        conversation_id: conversationId,
        for_seq: card.forSeq,
        tool: card.tool,
        args,
        summary: card.summary,
        state: card.state,
        expires_at: card.expiresAt,
        status: 'pending',
        result: null,
        node: this.d.nodeId,
        created_at: nowIso(),
        settled_at: null,
      };
      await this.d.db.insertInto('pending_confirms').values(row).execute();
      this.d.announce(conversationId, row.id);
    }
    const answer = new Promise<ConfirmAnswer>((resolve) => {
      const ms = Math.max(0, Date.parse(row.expires_at) - Date.now());
      let timer = setTimeout(() => void expire(), ms);
      const settle = (a: ConfirmAnswer) => {
        if (this.#waiters.get(row.id)?.settle !== settle) return;
        this.#waiters.delete(row.id);
        clearTimeout(timer);
        resolve(a);
      };
      const expire = async () => {
        try {
          if (await this.#move(row.id, ['pending'], 'expired')) {
            this.#show(conversationId, row.id, 'expired');
            this.d.announce(conversationId, row.id);
            return settle({ outcome: 'expired' });
          }
          const now = await this.#get(row.id);
          if (now && FINAL.has(now.status)) return settle(answerOf(now));
          // Accepted on a node that is still writing: wait a little longer, then give up on it.
          timer = setTimeout(() => settle({ outcome: 'accepted', result: unreachable() }), WRITE_GRACE_MS);
        } catch (err) {
          this.d.log.warn({ err }, 'confirm expiry failed');
          settle({ outcome: 'expired' });
        }
      };
      this.#waiters.set(row.id, { conversationId, settle });
    });
    if (row.status === 'pending') this.#show(conversationId, row.id, 'pending', cardFrame(row));
    try {
      // Settled between the read and the wait (a click on another node): read once more.
      const now = await this.#get(row.id);
      if (now && FINAL.has(now.status)) this.#waiters.get(row.id)?.settle(answerOf(now));
    } catch (err) {
      // The turn ends here and its card may still wait: the visitor's next message withdraws it.
      (await this.#looseCards().catch(() => null))?.add(conversationId);
      throw err;
    }
    return answer;
  }

  /**
   * The stored result of this write, confirmed and made for visitor message `forSeq`, or null. A
   * write that another node is making right now (clicked, not yet stored) is waited for.
   */
  async settled(
    conversationId: string,
    forSeq: number,
    tool: string,
    args: Record<string, unknown>,
  ): Promise<ToolResultForModel | null> {
    const deadline = Date.now() + WRITE_GRACE_MS;
    for (;;) {
      const row = await this.d.db
        .selectFrom('pending_confirms')
        .select(['result', 'status'])
        .where('conversation_id', '=', conversationId)
        .where('for_seq', '=', forSeq)
        .where('tool', '=', tool)
        .where('args', '=', canonicalJson(args))
        .where('status', 'in', ['accepted', 'done', 'failed'])
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      if (!row) return null;
      if (row.status !== 'accepted') return parseResult(row.result);
      if (Date.now() > deadline) return unreachable();
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * A click on a card, arriving at this node. False when nothing of this conversation waits under
   * that id (already answered, expired, withdrawn, or someone else's). An accepted card's write is
   * performed here, with `call`, and its result stored for the turn that asked.
   */
  async answer(
    conversationId: string,
    confirmId: string,
    accept: boolean,
    call: ConfirmedCall,
  ): Promise<boolean> {
    const now = nowIso();
    const res = await this.d.db
      .updateTable('pending_confirms')
      .set({ status: accept ? 'accepted' : 'declined', settled_at: now })
      .where('id', '=', confirmId)
      .where('conversation_id', '=', conversationId)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (res.numUpdatedRows !== 1n) return false;
    this.#show(conversationId, confirmId, accept ? 'accepted' : 'declined');
    this.d.announce(conversationId, confirmId);
    if (!accept) {
      this.#waiters.get(confirmId)?.settle({ outcome: 'declined' });
      return true;
    }
    const row = await this.#get(confirmId);
    if (!row) return true;
    let result: ToolResultForModel;
    let status: PendingConfirmStatus = 'done';
    try {
      result = await call(row.tool, JSON.parse(row.args) as Record<string, unknown>, row.state);
    } catch (err) {
      this.d.log.warn({ err }, 'confirmed call failed');
      result = unreachable();
      status = 'failed';
    }
    await this.d.db
      .updateTable('pending_confirms')
      .set({ status, result: JSON.stringify(result) })
      .where('id', '=', confirmId)
      .execute();
    this.d.announce(conversationId, confirmId);
    this.#waiters.get(confirmId)?.settle({ outcome: 'accepted', result });
    return true;
  }

  /**
   * The visitor wrote instead of clicking (issue #14): the conversation's waiting cards are
   * withdrawn. A card waits only while the turn that asked it runs, so the statement is made only
   * when one can: a turn on this node asks or waits on a card of this conversation, or the
   * conversation's card was left waiting by a turn that is gone (a previous process). A card's turn
   * running on another node holds the conversation's lease: this message's own turn finds it held
   * and withdraws the cards of earlier messages before it waits (turn-order.ts `contended`); a turn
   * that died with its node is found the same way when its lease is taken over.
   */
  async visitorWrote(conversationId: string): Promise<number> {
    const loose = await this.#looseCards();
    if (!this.#asking.has(conversationId) && !loose.has(conversationId)) return 0;
    const wasLoose = loose.delete(conversationId);
    try {
      return await this.withdraw({ conversationId });
    } catch (err) {
      if (wasLoose) loose.add(conversationId);
      throw err;
    }
  }

  #looseCards(): Promise<Set<string>> {
    this.#loose ??= this.d.db
      .selectFrom('pending_confirms')
      .select('conversation_id')
      .distinct()
      .where('status', '=', 'pending')
      .where('expires_at', '>', nowIso())
      .execute()
      .then(
        (rows) => new Set(rows.map((r) => r.conversation_id)),
        (err: unknown) => {
          this.#loose = null;
          throw err;
        },
      );
    return this.#loose;
  }

  /**
   * Withdraws waiting cards: of a conversation (the visitor wrote something else, issue #14; with
   * `before`, only cards asked for visitor messages before that seq), or every card this node's
   * turns wait on (a drain). Nothing is written; a later click finds nothing.
   */
  async withdraw(scope: { conversationId: string; before?: number } | { node: true }): Promise<number> {
    let q = this.d.db
      .updateTable('pending_confirms')
      .set({ status: 'withdrawn', settled_at: nowIso() })
      .where('status', '=', 'pending');
    if ('conversationId' in scope) {
      q = q.where('conversation_id', '=', scope.conversationId);
      if (scope.before !== undefined) q = q.where('for_seq', '<', scope.before);
    } else {
      q = q.where('node', '=', this.d.nodeId);
    }
    const rows = await q.returning(['id', 'conversation_id']).execute();
    for (const r of rows) {
      this.#show(r.conversation_id, r.id, 'withdrawn');
      this.d.announce(r.conversation_id, r.id);
      this.#waiters.get(r.id)?.settle({ outcome: 'withdrawn' });
    }
    return rows.length;
  }

  /** Cards still waiting in a conversation, replayed to a (re)connecting widget on any node. */
  async pending(conversationId: string): Promise<ConfirmRequestFrame[]> {
    const rows = await this.d.db
      .selectFrom('pending_confirms')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('status', '=', 'pending')
      .where('expires_at', '>', nowIso())
      .orderBy('created_at', 'asc')
      .execute();
    return rows.map(cardFrame);
  }

  /** A card changed on some node: this node's sockets see the change, and a turn waiting here goes on. */
  async changed(conversationId: string, confirmId: string, showHere: boolean): Promise<void> {
    const waiting = this.#waiters.get(confirmId);
    if (!waiting && !showHere) return;
    const row = await this.#get(confirmId);
    if (!row || row.conversation_id !== conversationId) return;
    if (showHere) {
      const outcome = outcomeOf(row.status);
      if (outcome) this.#show(conversationId, row.id, outcome);
      else if (row.expires_at > nowIso()) this.#show(conversationId, row.id, 'pending', cardFrame(row));
    }
    if (waiting && FINAL.has(row.status)) waiting.settle(answerOf(row));
  }

  /** Whether a turn on this node waits on the card. */
  waiting(confirmId: string): boolean {
    return this.#waiters.has(confirmId);
  }

  #show(conversationId: string, id: string, what: Outcome | 'pending', card?: ConfirmRequestFrame): void {
    if (this.#shown.get(id) === what) return;
    if (this.#shown.size > 10_000) this.#shown.clear();
    this.#shown.set(id, what);
    if (what === 'pending') {
      if (card) this.d.deliver(conversationId, card);
      return;
    }
    this.d.deliver(conversationId, { type: 'confirm_result', confirmId: id, outcome: what });
  }

  async #move(id: string, from: PendingConfirmStatus[], to: PendingConfirmStatus): Promise<boolean> {
    const res = await this.d.db
      .updateTable('pending_confirms')
      .set({ status: to, settled_at: nowIso() })
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  #get(id: string): Promise<PendingConfirmsTable | undefined> {
    return this.d.db.selectFrom('pending_confirms').selectAll().where('id', '=', id).executeTakeFirst();
  }
}

function answerOf(row: PendingConfirmsTable): ConfirmAnswer {
  if (row.status === 'done' || row.status === 'failed')
    return { outcome: 'accepted', result: parseResult(row.result) };
  const outcome = outcomeOf(row.status);
  return { outcome: outcome === null || outcome === 'accepted' ? 'expired' : outcome };
}

function parseResult(text: string | null): ToolResultForModel {
  try {
    return text ? (JSON.parse(text) as ToolResultForModel) : unreachable();
  } catch {
    return unreachable();
  }
}

/** The write's fate is unknown (the node writing it went away): the model is told it did not finish. */
function unreachable(): ToolResultForModel {
  return loopError('tool_unreachable');
}
