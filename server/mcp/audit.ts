import type { Insertable, Kysely, Selectable } from 'kysely';
import { maskArgs } from '../mask.js';
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

/**
 * Records every tools/call (docs/architecture.md §1.5): time, subject, client, scopes, tool, masked arguments,
 * outcome or error code, latency, token id and conversation.
 */
export class AuditLog {
  #pending: Insertable<AuditLogTable>[] = [];
  #flush: Promise<void> | null = null;

  constructor(private readonly db: Kysely<Database>) {}

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
    // SQLite bounds the variables of one statement; 200 rows of 11 columns stay far below it.
    const trace = commitTracer();
    const t0 = trace ? performance.now() : 0;
    for (let i = 0; i < rows.length; i += 200) {
      await this.db
        .insertInto('audit_log')
        .values(rows.slice(i, i + 200))
        .execute();
    }
    trace?.commit('audit', rows.length, performance.now() - t0);
  }

  /** Entries oldest first, optionally for one subject and since a time. */
  async query(opts: { sub?: string; since?: string; limit?: number } = {}): Promise<AuditRow[]> {
    let q = this.db
      .selectFrom('audit_log')
      .select([
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
      ]);
    if (opts.sub) q = q.where('sub', '=', opts.sub);
    if (opts.since) q = q.where('at', '>=', opts.since);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(opts.limit ?? 1000)
      .execute();
    return rows.reverse().map((r) => ({ ...r, cid: r.cid ?? null }));
  }
}
