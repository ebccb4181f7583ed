/**
 * Names for PostgreSQL statements that repeat, so each pooled connection parses and plans them once
 * (docs/architecture.md, "The store"). Sent unnamed, every statement is parsed, analysed and planned
 * on every execution: a profile of the visitor turn's backends (bench/FINDINGS.md, "PostgreSQL:
 * where the backends' CPU goes") put that at about a third of PostgreSQL's CPU. A named statement
 * is parsed once per connection (`pg` remembers which names a connection has) and, after five
 * executions, PostgreSQL may keep one generic plan for it.
 *
 * A text gets a name the second time it is sent, so one-off statements (migrations, seeds, the
 * CLI) never do; statements without parameters (BEGIN, COMMIT, utility statements) and very long
 * ones are left alone.
 * The names are bounded per process: every connection may hold a prepared statement for each.
 */

/** At most this many texts get names (each may cost a prepared statement on every connection). */
const MAX_NAMED = 256;
/** Texts seen once are remembered up to this many, then forgotten together. */
const MAX_SEEN = 4096;
/**
 * Longer texts are left unnamed: they are the live bus's flushes of many pointers and lease writes
 * at once, whose text changes with their number (each would take a name for one use), and a map
 * lookup hashes the whole text.
 */
const MAX_LENGTH = 4096;

export class PreparedNames {
  readonly #seen = new Set<string>();
  readonly #names = new Map<string, string>();
  #next = 0;

  /** The name to send `text` under, or undefined to send it unnamed. */
  nameFor(text: string, hasParameters: boolean): string | undefined {
    if (!hasParameters || text.length > MAX_LENGTH) return undefined;
    const name = this.#names.get(text);
    if (name !== undefined) return name;
    if (!this.#seen.has(text)) {
      if (this.#seen.size >= MAX_SEEN) this.#seen.clear();
      this.#seen.add(text);
      return undefined;
    }
    if (this.#names.size >= MAX_NAMED) return undefined;
    this.#seen.delete(text);
    return this.#assign(text);
  }

  /**
   * A fresh name for `text`, after its prepared statement failed on a connection for a reason that
   * a new Parse cures (see `isStalePrepared`). Every connection prepares the new name when next
   * used; the old one stays on connections that have it until they close, unused.
   */
  renew(text: string): string {
    return this.#assign(text);
  }

  #assign(text: string): string {
    const name = `deputy_${(this.#next++).toString(36)}`;
    this.#names.set(text, name);
    return name;
  }
}

/**
 * Whether a named statement failed only because its preparation is stale: a newer node migrated a
 * table the statement reads (`SELECT *`, `RETURNING *`: "cached plan must not change result type",
 * which every later execution would repeat), or the connection lost its prepared statements
 * (`DISCARD ALL`: "prepared statement … does not exist"). Neither ran the statement.
 */
export function isStalePrepared(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (e.code === '26000') return true;
  return (
    e.code === '0A000' &&
    typeof e.message === 'string' &&
    /cached plan must not change result type/.test(e.message)
  );
}
