import type { Kysely } from 'kysely';

/**
 * Deputy as the OAuth 2.1 authorization server of its operators' MCP clients (docs/staff-mcp.md):
 * registered clients, authorization codes, grants (one per consent) and each grant's refresh-token
 * chain. Codes and refresh tokens are stored as their sha256 only: a copy of the database redeems
 * nothing. Plain portable types (text, integer) so SQLite and PostgreSQL build the same tables.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    /** JSON array of the exact redirect URIs registered. */
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema
    .createTable('oauth_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_reason', 'text')
    .execute();
  await db.schema.createIndex('oauth_grants_client').on('oauth_grants').column('client_id').execute();
  await db.schema.createIndex('oauth_grants_operator').on('oauth_grants').column('operator_id').execute();
  await db.schema
    .createTable('oauth_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'text', (c) => c.notNull())
    /** ISO-8601 UTC: compares as text on both engines (no bigint-as-string on PostgreSQL). */
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema
    .createTable('oauth_refresh_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    /** ISO-8601 UTC: compares as text on both engines (no bigint-as-string on PostgreSQL). */
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    /** Set when rotated: presenting it again revokes the grant (reuse detection). */
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('oauth_refresh_grant').on('oauth_refresh_tokens').column('grant_id').execute();
  // Staff comments name their author (docs/staff-mcp.md); customer comments leave it null.
  await db.schema.alterTable('ticket_comments').addColumn('author_name', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('ticket_comments').dropColumn('author_name').execute();
  await db.schema.dropTable('oauth_refresh_tokens').execute();
  await db.schema.dropTable('oauth_codes').execute();
  await db.schema.dropTable('oauth_grants').execute();
  await db.schema.dropTable('oauth_clients').execute();
}
