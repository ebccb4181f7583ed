import type { Kysely } from 'kysely';
import type { ConversationDetail, ConversationSummary, NoteView } from '../../shared/console-protocol.js';
import { messageFrame } from '../gateway/frames.js';
import type { ConversationHub } from '../gateway/hub.js';
import type { ConversationStore } from '../store/conversations.js';
import type { ConversationNotesTable, Database } from '../store/schema.js';
import type { ConsoleHub } from './console-hub.js';
import type { Handoff } from './handoff.js';
import type { NoteStore, OperatorAudit } from './notes.js';
import type { Operator, OperatorStore } from './operators.js';
import type { OwnedConversation, OwnershipStore } from './ownership.js';

export interface ConsoleServiceDeps {
  db: Kysely<Database>;
  operators: OperatorStore;
  ownership: OwnershipStore;
  notes: NoteStore;
  audit: OperatorAudit;
  conversations: ConversationStore;
  hub: ConversationHub;
  consoles: ConsoleHub;
  handoff: Handoff;
  /** Time to first human reply (seconds since the conversation was queued). */
  firstReply?(seconds: number): void;
}

export type ActionResult =
  | { ok: true }
  | { ok: false; code: 'console_not_found' | 'console_not_owner'; owner?: string | null };

export function noteView(n: ConversationNotesTable): NoteView {
  return { id: n.id, kind: n.kind, author: n.author, text: n.text, at: n.created_at };
}

function summaryOf(
  c: OwnedConversation,
  customerName: string | null,
  operatorName: string | null,
): ConversationSummary {
  return {
    id: c.id,
    siteId: c.siteId,
    customer: customerName ?? (c.subject.startsWith('anon:') ? `Guest ${c.id.slice(-4)}` : c.subject),
    owner: c.owner,
    operatorName,
    operatorId: c.operatorId,
    status: c.status,
    queuedAt: c.queuedAt,
    reason: c.reason,
    updatedAt: c.updatedAt,
  };
}

/** What operators do to conversations, each step audited with the operator as actor. */
export class ConsoleService {
  constructor(private readonly d: ConsoleServiceDeps) {}

  /** The conversation if it is on the operator's site; another site's answers like a missing one (T4). */
  async find(op: Operator, id: string): Promise<OwnedConversation | null> {
    const c = await this.d.ownership.get(id);
    return c && c.siteId === op.siteId ? c : null;
  }

  async summary(c: OwnedConversation): Promise<ConversationSummary> {
    const [customer, operator] = await Promise.all([
      c.subject.startsWith('anon:')
        ? Promise.resolve(undefined)
        : this.d.db.selectFrom('customers').select('name').where('id', '=', c.subject).executeTakeFirst(),
      c.operatorId ? this.d.operators.get(c.operatorId) : Promise.resolve(null),
    ]);
    return summaryOf(c, customer?.name ?? null, operator?.name ?? null);
  }

  async list(op: Operator): Promise<ConversationSummary[]> {
    const rows = await this.d.ownership.list([op.siteId]);
    return Promise.all(rows.filter((r) => r.lastSeq > 0).map((r) => this.summary(r)));
  }

  async detail(op: Operator, id: string): Promise<ConversationDetail | null> {
    const c = await this.find(op, id);
    if (!c) return null;
    const [summary, messages, notes, tools] = await Promise.all([
      this.summary(c),
      this.d.conversations.since(id, 0, 1000),
      this.d.notes.list(id),
      // The assistant's own calls; an operator's record reads (client console:…) are not its activity.
      this.d.db
        .selectFrom('audit_log')
        .select(['at', 'tool', 'outcome'])
        .where('cid', '=', id)
        .where('client', 'not like', 'console:%')
        .orderBy('id', 'asc')
        .limit(200)
        .execute(),
    ]);
    return {
      conversation: summary,
      messages: messages.map(messageFrame),
      notes: notes.map(noteView),
      viewers: this.d.consoles.viewers(op.siteId, id),
      tools,
    };
  }

  /** Publishes a conversation's state to its site's consoles. */
  async announce(id: string, event?: 'queued' | 'visitor_message'): Promise<void> {
    // One statement for the row and both names: this runs after every visitor message.
    const named = await this.d.ownership.getNamed(id);
    if (!named) return;
    const c = named.conversation;
    const conversation = summaryOf(c, named.customerName, named.operatorName);
    this.d.consoles.publish(c.siteId, { type: 'conversation', conversation, ...(event ? { event } : {}) });
  }

  async takeOver(op: Operator, id: string): Promise<ActionResult> {
    const c = await this.find(op, id);
    if (!c) return { ok: false, code: 'console_not_found' };
    const won = await this.d.ownership.takeOver(id, op.id);
    await this.#audit(op, 'take_over', id, won.ok ? 'ok' : 'taken');
    if (!won.ok) {
      const holder = won.operatorId ? await this.d.operators.get(won.operatorId) : null;
      return { ok: false, code: 'console_not_owner', owner: holder?.name ?? null };
    }
    this.d.handoff.silence(id);
    await this.d.handoff.status(id, 'joined', op.name);
    await this.announce(id);
    return { ok: true };
  }

  async handBack(op: Operator, id: string): Promise<ActionResult> {
    if (!(await this.find(op, id))) return { ok: false, code: 'console_not_found' };
    const ok = await this.d.ownership.handBack(id, op.id);
    await this.#audit(op, 'hand_back', id, ok ? 'ok' : 'not_owner');
    if (!ok) return { ok: false, code: 'console_not_owner' };
    await this.d.handoff.status(id, 'left', op.name);
    await this.announce(id);
    return { ok: true };
  }

  async resolve(op: Operator, id: string): Promise<ActionResult> {
    if (!(await this.find(op, id))) return { ok: false, code: 'console_not_found' };
    const ok = await this.d.ownership.resolve(id, op.id);
    await this.#audit(op, 'resolve', id, ok ? 'ok' : 'not_owner');
    if (!ok) return { ok: false, code: 'console_not_owner' };
    await this.d.handoff.status(id, 'resolved', op.name);
    await this.announce(id);
    return { ok: true };
  }

  /** A reply goes to the visitor (only from the owner); a private note only to the consoles (C5). */
  async reply(op: Operator, id: string, text: string, isPrivate: boolean): Promise<ActionResult> {
    const c = await this.find(op, id);
    if (!c) return { ok: false, code: 'console_not_found' };
    if (isPrivate) {
      const note = await this.d.notes.add(id, 'note', op.name, text);
      await this.#audit(op, 'note', id, 'ok');
      this.d.consoles.publish(op.siteId, { type: 'note', conversationId: id, note: noteView(note) });
      return { ok: true };
    }
    if (c.owner !== 'operator' || c.operatorId !== op.id) {
      await this.#audit(op, 'reply', id, 'not_owner');
      return { ok: false, code: 'console_not_owner' };
    }
    if (c.queuedAt) await this.#firstReply(id, c.queuedAt);
    const { message } = await this.d.conversations.append(id, { role: 'operator', text, author: op.name });
    this.d.hub.broadcast(id, messageFrame(message));
    await this.#audit(op, 'reply', id, 'ok');
    return { ok: true };
  }

  /** The operator is typing: shown in the widget only by the conversation's owner. */
  async typing(op: Operator, id: string, on: boolean): Promise<void> {
    const c = await this.find(op, id);
    if (c?.owner === 'operator' && c.operatorId === op.id)
      this.d.hub.broadcast(id, { type: 'typing', name: op.name, on });
  }

  /** The visitor is typing: shown on the consoles of the conversation's site. */
  async visitorTyping(id: string, on: boolean): Promise<void> {
    const c = await this.d.ownership.get(id);
    if (c && c.owner !== 'bot')
      this.d.consoles.publish(c.siteId, { type: 'typing', conversationId: id, who: 'visitor', on });
  }

  async #firstReply(id: string, queuedAt: string): Promise<void> {
    const earlier = await this.d.db
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', id)
      .where('role', '=', 'operator')
      .where('created_at', '>=', queuedAt)
      .executeTakeFirst();
    if (!earlier) this.d.firstReply?.((Date.now() - Date.parse(queuedAt)) / 1000);
  }

  audit(op: Operator, action: string, id: string, outcome: string): Promise<void> {
    return this.#audit(op, action, id, outcome);
  }

  #audit(op: Operator, action: string, id: string, outcome: string): Promise<void> {
    return this.d.audit.record({ operatorId: op.id, siteId: op.siteId, action, conversationId: id, outcome });
  }
}
