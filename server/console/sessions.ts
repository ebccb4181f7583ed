import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { nowIso } from '../store/db.js';
import type { Database } from '../store/schema.js';
import type { Operator, OperatorStore } from './operators.js';

export const COOKIE = 'deputy_console';
/** A console session lasts a working day; signing out ends it at once. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

function hash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Operator sessions, stored (any node can check one, docs/architecture.md §9). The cookie carries a
 * random token; the database keeps only its hash and the session's CSRF token.
 */
export class SessionStore {
  readonly #onDestroy = new Set<(token: string) => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly operators: OperatorStore,
    private readonly now: () => number = Date.now,
  ) {}

  async create(operatorId: string): Promise<{ token: string; csrf: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const expiresAt = this.now() + SESSION_TTL_MS;
    await this.db
      .insertInto('operator_sessions')
      .values({
        id_hash: hash(token),
        operator_id: operatorId,
        csrf,
        expires_at: expiresAt,
        created_at: nowIso(),
      })
      .execute();
    return { token, csrf, expiresAt };
  }

  /** The operator and CSRF token of a live session; an expired one is deleted and answers null (C6). */
  async verify(
    token: string | undefined,
  ): Promise<{ operator: Operator; csrf: string; expiresAt: number } | null> {
    if (!token || token.length > 100) return null;
    const row = await this.db
      .selectFrom('operator_sessions')
      .selectAll()
      .where('id_hash', '=', hash(token))
      .executeTakeFirst();
    if (!row) return null;
    if (row.expires_at <= this.now()) {
      await this.destroy(token);
      return null;
    }
    const operator = await this.operators.get(row.operator_id);
    return operator ? { operator, csrf: row.csrf, expiresAt: row.expires_at } : null;
  }

  async destroy(token: string): Promise<void> {
    await this.db.deleteFrom('operator_sessions').where('id_hash', '=', hash(token)).execute();
    for (const fn of this.#onDestroy) fn(token);
  }

  /** Called with the token of every session ended here (sign-out, expiry): open consoles close (C6). */
  onDestroy(fn: (token: string) => void): () => void {
    this.#onDestroy.add(fn);
    return () => this.#onDestroy.delete(fn);
  }
}

/** Constant-time CSRF check. */
export function csrfMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** The console cookie from a Cookie header. */
export function readCookie(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

/**
 * Set-Cookie for a session: HttpOnly, SameSite=Strict, scoped to the console's path (`/console`, or
 * `/deputy/console` under a path prefix), Secure over https (C1).
 */
export function sessionCookie(token: string, maxAgeS: number, secure: boolean, path = '/console'): string {
  return [
    `${COOKIE}=${token}`,
    `Path=${path}`,
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(maxAgeS))}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
