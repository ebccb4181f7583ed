import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { StaffDeps } from './staff-tool.js';

/** Operators and the handoff queue read from Deputy's own database (docs/architecture.md §10). */
export function staffDeps(db: Kysely<Database>): StaffDeps {
  return {
    async operator(id) {
      const row = await db
        .selectFrom('operators')
        .select(['id', 'name', 'email', 'site_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? { id: row.id, name: row.name, email: row.email, site: row.site_id } : null;
    },
    async queue(site, limit) {
      const rows = await db
        .selectFrom('conversations')
        .select(['id', 'subject', 'queued_at', 'handoff_reason'])
        .where('site_id', '=', site)
        .where('owner', '=', 'queue')
        .where('status', '=', 'open')
        .orderBy('queued_at', 'asc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        conversation_id: r.id,
        // An anonymous visitor has no customer record to look up.
        customer_id: r.subject.startsWith('anon:') ? null : r.subject,
        queued_at: r.queued_at ?? null,
        reason: r.handoff_reason ?? null,
      }));
    },
  };
}

/**
 * Whether an operator token is still good: its grant live, for this operator and site, and the
 * operator still on that site. Asked on every request to `/mcp` (docs/staff-mcp.md).
 */
export function operatorGrantCheck(db: Kysely<Database>) {
  return async (grant: string, operatorId: string, site: string | null): Promise<boolean> => {
    const row = await db
      .selectFrom('oauth_grants')
      .innerJoin('operators', 'operators.id', 'oauth_grants.operator_id')
      .select(['oauth_grants.site_id as grant_site', 'operators.site_id as operator_site'])
      .where('oauth_grants.id', '=', grant)
      .where('oauth_grants.operator_id', '=', operatorId)
      .where('oauth_grants.revoked_at', 'is', null)
      .executeTakeFirst();
    return !!row && row.grant_site === site && row.operator_site === site;
  };
}
