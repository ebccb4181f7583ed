import type { Insertable, Kysely, Selectable } from 'kysely';
import { maskArgs } from '../mask.js';
import { dialectOf } from '../store/dialect.js';
import { type RawSqlite, type RawStatement, rawSqlite } from '../store/hot.js';
import type { AuditLogTable, Database } from '../store/schema.js';
import { commitTracer } from '../turn-trace.js';
import type { McpCaller } from './auth.js';

export type AuditOutcome = 'ok' | 'error' | 'denied' | 'confirmation_required';

export interface AuditEntry {
  caller: McpCaller;
  /** The site whose CRM the call used: audit rows belong to a site like everything else. */
  site?: string;
  tool: string;
  args: unknown;
  outcome: AuditOutcome;
  errorCode: string | null;
  latencyMs: number;
}

/** One audit row as the CLI prints it: the table's columns but its row id. */
export type AuditRow = Omit<Selectable<AuditLogTable>, 'id' | 'cid' | 'site_id'> & { cid: string | null };

/** The columns the CLI reads back (`query`): all but the row id and the site. */
const READ_COLUMNS = [
  'at',
  'sub',
  'client',
  'scopes',
  'tool',
  'args',
  'outcome',
  'error_code',
  'latency_ms',
  'jti',
  'cid',
] as const;
/** The columns of an audit row, in the order the raw INSERT binds them. */
const COLUMNS = [...READ_COLUMNS, 'site_id'] as const;

/** SQLite bounds the variables of one statement; 200 rows of 12 columns stay far below it. */
const MAX_ROWS_PER_INSERT = 200;

/**
 * How long a held row waits for the statement it rides with (the conversation's owner read before
 * the turn's next model step, normally well under a millisecond later) before it is written alone.
 */
const CARRY_WAIT_MS = 200;

/** Audit rows handed to another statement, and how to hand them back if that statement fails. */
export interface CarriedRows {
  /** One INSERT of the rows, `?` placeholders (the caller numbers them for PostgreSQL). */
  sql: string;
  params: unknown[];
  /** The carrying statement failed (it rolled back): the rows are written on their own. */
  failed(): void;
}

/** The INSERT of `n` audit rows, with `?` placeholders. */
function insertText(n: number): string {
  const one = `(${COLUMNS.map(() => '?').join(', ')})`;
  return `INSERT INTO "audit_log" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${Array(n).fill(one).join(', ')}`;
}

function paramsOf(rows: readonly Insertable<AuditLogTable>[]): unknown[] {
  const params: unknown[] = [];
  for (const row of rows) for (const c of COLUMNS) params.push(row[c] ?? null);
  return params;
}

/**
 * Records every tools/call (docs/architecture.md §1.5): time, subject, client, scopes, tool, masked arguments,
 * outcome or error code, latency, token id and conversation.
 */
export class AuditLog {
  #pending: Insertable<AuditLogTable>[] = [];
  #flush: Promise<void> | null = null;
  /**
   * PostgreSQL: conversations whose running turn reads its owner before its next model step (after
   * the tool calls its last step asked for), and the rows of those calls held for that read.
   */
  readonly #riding = new Set<string>();
  readonly #held = new Map<string, { rows: Insertable<AuditLogTable>[]; timer: NodeJS.Timeout }>();
  readonly #canCarry: boolean;
  #closing = false;
  /** SQLite: the raw connection, and the INSERT of n rows prepared once per n (store/hot.ts). */
  readonly #raw: RawSqlite | undefined;
  readonly #inserts = new Map<number, RawStatement>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log?: { error(obj: object, msg: string): void },
  ) {
    this.#raw = rawSqlite(db);
    // A row can ride only in a statement that can carry an INSERT: PostgreSQL's WITH clauses.
    this.#canCarry = dialectOf(db) === 'postgres';
  }

  /**
   * The conversation's turn will read its owner before its next model step (console/handoff.ts):
   * until then (or `endRide`), the rows of that conversation's tool calls are held for that
   * statement instead of costing a round trip of their own. No-op where rows cannot ride.
   */
  rideNext(conversationId: string): void {
    if (this.#canCarry && !this.#closing) this.#riding.add(conversationId);
  }

  /** The rows held for the conversation's owner read, as one INSERT (null when none are held). */
  carry(conversationId: string): CarriedRows | null {
    this.#riding.delete(conversationId);
    const held = this.#held.get(conversationId);
    if (!held) return null;
    this.#held.delete(conversationId);
    clearTimeout(held.timer);
    return {
      sql: insertText(held.rows.length),
      params: paramsOf(held.rows),
      failed: () => this.#writeAlone(held.rows),
    };
  }

  /** The turn ends (or its read will not come): rows still held are written on their own now. */
  endRide(conversationId: string): void {
    this.#riding.delete(conversationId);
    this.#release(conversationId);
  }

  #release(conversationId: string): void {
    const held = this.#held.get(conversationId);
    if (!held) return;
    this.#held.delete(conversationId);
    clearTimeout(held.timer);
    this.#writeAlone(held.rows);
  }

  /** Held rows written on their own; nobody waits for them, so a failure is logged here. */
  #writeAlone(rows: Insertable<AuditLogTable>[]): void {
    this.#writeSoon(rows).catch((err: unknown) => this.log?.error({ err }, 'audit record failed'));
  }

  /** Rows written on their own, with the next group commit. */
  #writeSoon(rows: Insertable<AuditLogTable>[]): Promise<void> {
    this.#pending.push(...rows);
    this.#flush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#write());
    return this.#flush;
  }

  /** Writes every held row now, and holds none from now on (the process is closing). */
  async close(): Promise<void> {
    this.#closing = true;
    this.#riding.clear();
    for (const cid of [...this.#held.keys()]) this.#release(cid);
    await this.#flush?.catch(() => {});
  }

  /**
   * Resolves once the row is committed. Rows recorded in the same turn of the event loop share one
   * INSERT and one commit (group commit): a commit per call was most of the CPU of a tool call, and
   * no caller is answered before its row is durable. The exception: a call of a conversation whose
   * turn is about to read its owner (rideNext) resolves at once, and its row is written with that
   * read, before the turn's next model step (a statement of the turn's own, and no model step runs
   * on the call's result before its row is committed); if the read does not come within
   * CARRY_WAIT_MS, or the turn ends first, or the read fails, the row is written on its own.
   */
  record(entry: AuditEntry): Promise<void> {
    const row: Insertable<AuditLogTable> = {
      at: new Date().toISOString(),
      sub: entry.caller.sub,
      client: entry.caller.client,
      scopes: entry.caller.scopes.join(' '),
      // The name may be anything a model invented: keep it short and printable.
      tool: entry.tool.replace(/[^\w.:-]/g, '?').slice(0, 64),
      args: JSON.stringify(maskArgs(entry.args) ?? null),
      outcome: entry.outcome,
      error_code: entry.errorCode,
      latency_ms: Math.round(entry.latencyMs * 100) / 100,
      jti: entry.caller.jti,
      cid: entry.caller.cid,
      site_id: entry.site ?? entry.caller.site ?? 'demo',
    };
    const cid = entry.caller.cid;
    if (cid && this.#riding.has(cid)) {
      const held = this.#held.get(cid);
      if (held) held.rows.push(row);
      else {
        const timer = setTimeout(() => this.#release(cid), CARRY_WAIT_MS);
        timer.unref();
        this.#held.set(cid, { rows: [row], timer });
      }
      return Promise.resolve();
    }
    return this.#writeSoon([row]);
  }

  async #write(): Promise<void> {
    const rows = this.#pending;
    this.#pending = [];
    this.#flush = null;
    const trace = commitTracer();
    const t0 = trace ? performance.now() : 0;
    for (let i = 0; i < rows.length; i += MAX_ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + MAX_ROWS_PER_INSERT);
      // On SQLite's raw connection (no Kysely transaction holding it): the same one INSERT, prepared
      // once per row count instead of built by Kysely per call (docs/architecture.md, "Hot queries").
      const raw = this.#raw;
      if (raw && !raw.busy()) this.#insertRaw(raw, chunk);
      else await this.db.insertInto('audit_log').values(chunk).execute();
    }
    trace?.commit('audit', rows.length, performance.now() - t0);
  }

  #insertRaw(raw: RawSqlite, rows: readonly Insertable<AuditLogTable>[]): void {
    let stmt = this.#inserts.get(rows.length);
    if (!stmt) {
      stmt = raw.prepare(insertText(rows.length));
      this.#inserts.set(rows.length, stmt);
    }
    stmt.run(...paramsOf(rows));
  }

  /** Entries oldest first, optionally for one subject and since a time. */
  async query(opts: { sub?: string; since?: string; limit?: number } = {}): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_log').select(READ_COLUMNS);
    if (opts.sub) q = q.where('sub', '=', opts.sub);
    if (opts.since) q = q.where('at', '>=', opts.since);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(opts.limit ?? 1000)
      .execute();
    return rows.reverse().map((r) => ({ ...r, cid: r.cid ?? null }));
  }
}
