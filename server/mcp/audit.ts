import type { Insertable, Kysely, Selectable } from 'kysely';
import { maskArgs } from '../mask.js';
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
 * Records every tools/call (docs/architecture.md §1.5): time, subject, client, scopes, tool, masked arguments,
 * outcome or error code, latency, token id and conversation.
 */
export class AuditLog {
  #pending: Insertable<AuditLogTable>[] = [];
  #flush: Promise<void> | null = null;
  /** SQLite: the raw connection, and the INSERT of n rows prepared once per n (store/hot.ts). */
  readonly #raw: RawSqlite | undefined;
  readonly #inserts = new Map<number, RawStatement>();

  constructor(private readonly db: Kysely<Database>) {
    this.#raw = rawSqlite(db);
  }

  /**
   * Resolves once the row is committed. Rows recorded in the same turn of the event loop share one
   * INSERT and one commit (group commit): a commit per call was most of the CPU of a tool call, and
   * no caller is answered before its row is durable.
   */
  record(entry: AuditEntry): Promise<void> {
    this.#pending.push({
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
    });
    this.#flush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#write());
    return this.#flush;
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
      const one = `(${COLUMNS.map(() => '?').join(', ')})`;
      stmt = raw.prepare(
        `INSERT INTO "audit_log" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${Array(rows.length).fill(one).join(', ')}`,
      );
      this.#inserts.set(rows.length, stmt);
    }
    const params: unknown[] = [];
    for (const row of rows) for (const c of COLUMNS) params.push(row[c] ?? null);
    stmt.run(...params);
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
