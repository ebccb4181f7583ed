import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';

/** Where a rotating refresh token is kept between uses and restarts. */
export interface RefreshTokenStore {
  /** The newest refresh token of the chain that began with `seed`, or null when there is none. */
  load(seed: string): Promise<string | null>;
  save(seed: string, refreshToken: string): Promise<void>;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The `crm_oauth` table, one row per site (docs/crm.md). A row started from another seed (the
 * operator authorised again and put a new refresh token in the environment) is not used: the
 * environment's token starts a new chain.
 */
export function sqlRefreshStore(db: Kysely<Database>, siteId: string, crm: string): RefreshTokenStore {
  return {
    async load(seed) {
      const row = await db
        .selectFrom('crm_oauth')
        .select(['seed_hash', 'refresh_token'])
        .where('site_id', '=', siteId)
        .executeTakeFirst();
      return row && row.seed_hash === hash(seed) ? row.refresh_token : null;
    },
    async save(seed, refreshToken) {
      const row = {
        site_id: siteId,
        crm,
        seed_hash: hash(seed),
        refresh_token: refreshToken,
        updated_at: new Date().toISOString(),
      };
      await db
        .insertInto('crm_oauth')
        .values(row)
        .onConflict((oc) =>
          oc.column('site_id').doUpdateSet({
            crm,
            seed_hash: row.seed_hash,
            refresh_token: refreshToken,
            updated_at: row.updated_at,
          }),
        )
        .execute();
    },
  };
}
