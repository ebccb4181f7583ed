import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/schema.js';
import type { SignInLimits } from './signin-limit.js';

/** How often the rows of windows that ended are deleted, at most. */
const SWEEP_MS = 5 * 60_000;

/**
 * The sign-in limits of `SignInLimiter` (C2), counted in the database so that every node on one
 * PostgreSQL meets the same count: with N nodes behind a load balancer without stickiness, a count
 * per node would allow N times the guesses (docs/scaling.md). Same windows, same limits, only
 * failures counted. A key is a hash of the address or the lower-cased email, never the value.
 * Attempts still in flight when the limit is reached are not held back (as on one node): each costs
 * a full scrypt check, and there are as many as the guesser's open requests.
 */
export class SharedSignInLimiter implements SignInLimits {
  #sweptAt = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly perAddress = 20,
    private readonly perAccount = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async blocked(address: string, email: string): Promise<number | null> {
    const t = this.now();
    const [ip, acct] = keys(address, email);
    const rows = await this.db
      .selectFrom('signin_failures')
      .select(['key', 'count', 'window_end'])
      .where('key', 'in', [ip, acct])
      .where('window_end', '>', new Date(t).toISOString())
      .execute();
    let wait = 0;
    for (const r of rows) {
      const limit = r.key === ip ? this.perAddress : this.perAccount;
      if (Number(r.count) >= limit) wait = Math.max(wait, Date.parse(r.window_end) - t);
    }
    return wait > 0 ? wait : null;
  }

  /** Counts a failure against both keys in one statement: a window that ended starts over. */
  async failed(address: string, email: string): Promise<void> {
    const t = this.now();
    const now = new Date(t).toISOString();
    const end = new Date(t + this.windowMs).toISOString();
    await this.db
      .insertInto('signin_failures')
      .values(keys(address, email).map((key) => ({ key, count: 1, window_end: end })))
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql`CASE WHEN signin_failures.window_end > ${now} THEN signin_failures.count + 1 ELSE 1 END`,
          window_end: sql`CASE WHEN signin_failures.window_end > ${now} THEN signin_failures.window_end ELSE excluded.window_end END`,
        }),
      )
      .execute();
    if (t - this.#sweptAt > SWEEP_MS) {
      this.#sweptAt = t;
      await this.db.deleteFrom('signin_failures').where('window_end', '<=', now).execute();
    }
  }
}

function keys(address: string, email: string): [string, string] {
  const h = (s: string) => createHash('sha256').update(s).digest('base64url');
  return [h(`ip:${address}`), h(`acct:${email.toLowerCase()}`)];
}
