import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { AuthorizationRequest } from './authorize-request.js';

/** A sign-in and consent must be finished within this time. */
const PENDING_TTL_MS = 10 * 60_000;
/** Requests kept at most; beyond it the oldest is dropped (its page then says it expired). */
const MAX_PENDING = 10_000;

export interface Pending {
  request: AuthorizationRequest;
  /** Set once the operator has signed in; only then can the request be allowed. */
  operatorId?: string;
}

/**
 * Authorization requests between `GET /oauth/authorize` and the consent (docs/staff-mcp.md), kept
 * in the database under a random id so that any node answers the next form post. `take` deletes
 * the row it returns in one statement, so a form posted twice, or to two nodes at once, is
 * answered once.
 */
export class PendingAuthorizations {
  constructor(private readonly db: Kysely<Database>) {}

  async keep(p: Pending): Promise<string> {
    const now = new Date().toISOString();
    await this.db.deleteFrom('oauth_pending').where('expires_at', '<=', now).execute();
    const { n } = await this.db
      .selectFrom('oauth_pending')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(n) >= MAX_PENDING) {
      const oldest = await this.db
        .selectFrom('oauth_pending')
        .select('id')
        .orderBy('expires_at')
        .limit(1)
        .executeTakeFirst();
      if (oldest) await this.db.deleteFrom('oauth_pending').where('id', '=', oldest.id).execute();
    }
    const id = randomBytes(24).toString('base64url');
    await this.db
      .insertInto('oauth_pending')
      .values({
        id,
        request: JSON.stringify(p.request),
        operator_id: p.operatorId ?? null,
        expires_at: new Date(Date.now() + PENDING_TTL_MS).toISOString(),
      })
      .execute();
    return id;
  }

  /** The request under `id`, spent; null when unknown, already used or expired. */
  async take(id: unknown): Promise<Pending | null> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) return null;
    const row = await this.db
      .deleteFrom('oauth_pending')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row || row.expires_at <= new Date().toISOString()) return null;
    const p: Pending = { request: JSON.parse(row.request) as AuthorizationRequest };
    if (row.operator_id) p.operatorId = row.operator_id;
    return p;
  }
}
