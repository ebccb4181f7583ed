import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PendingAuthorizations } from '../../../server/oauth/pending.js';
import { OAuthStore } from '../../../server/oauth/store.js';
import * as m0008 from '../../../server/store/migrations/0008-oauth.js';
import * as m0009 from '../../../server/store/migrations/0009-oauth-pending.js';
import type { Database as Schema } from '../../../server/store/schema.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from '../../helpers/postgres.js';

/** 0008 alters ticket_comments (0009 adds the sign-ins in progress); everything else it needs it creates itself. */
async function migrate(db: Kysely<Schema>): Promise<void> {
  await db.schema
    .createTable('ticket_comments')
    .addColumn('id', 'integer')
    .addColumn('body', 'text')
    .execute();
  await m0008.up(db as unknown as Kysely<unknown>);
  await m0009.up(db as unknown as Kysely<unknown>);
}

const GRANT = {
  operatorId: 'op_1',
  siteId: 'demo',
  scope: 'crm.read crm.any',
  resource: 'http://127.0.0.1/mcp',
  redirectUri: 'http://127.0.0.1/cb',
  codeChallenge: 'c'.repeat(43),
};

/** The same single-use and rotation rules on both engines (migration 0008 is portable). */
function storeSuite(open: () => Promise<{ db: Kysely<Schema>; close(): Promise<void> }>) {
  let db: Kysely<Schema>;
  let close: () => Promise<void>;
  let store: OAuthStore;
  beforeAll(async () => {
    ({ db, close } = await open());
    await migrate(db);
    store = new OAuthStore(db);
  });
  afterAll(async () => close?.());

  it('spends a code once even when two redemptions race, and the loser revokes the grant', async () => {
    const client = await store.addClient('c', [GRANT.redirectUri]);
    const { code, grantId } = await store.grant({ ...GRANT, clientId: client.id });
    const results = await Promise.all([store.redeemCode(code), store.redeemCode(code)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reused)).toHaveLength(1);
    expect(await store.liveGrant(grantId)).toBeNull();
  });

  it('rotates refresh tokens; a spent one revokes the chain', async () => {
    const client = await store.addClient('c', [GRANT.redirectUri]);
    const { grantId } = await store.grant({ ...GRANT, clientId: client.id });
    const first = await store.issueRefresh(grantId);
    expect(await store.spendRefresh(first)).toMatchObject({ ok: true });
    const second = await store.issueRefresh(grantId);
    expect(await store.spendRefresh(first)).toEqual({ ok: false, reused: true });
    expect(await store.spendRefresh(second)).toEqual({ ok: false, reused: false });
  });

  it('keeps codes and refresh tokens as hashes only', async () => {
    const client = await store.addClient('c', [GRANT.redirectUri]);
    const { code, grantId } = await store.grant({ ...GRANT, clientId: client.id });
    const refresh = await store.issueRefresh(grantId);
    const codes = await db.selectFrom('oauth_codes').select('code_hash').execute();
    const tokens = await db.selectFrom('oauth_refresh_tokens').select('token_hash').execute();
    const stored = JSON.stringify([codes, tokens]);
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(refresh);
  });

  it('revokes a client with every grant it holds', async () => {
    const client = await store.addClient('c', [GRANT.redirectUri]);
    const { grantId } = await store.grant({ ...GRANT, clientId: client.id });
    expect(await store.revokeClient(client.id)).toBe(true);
    expect(await store.client(client.id)).toBeNull();
    expect(await store.liveGrant(grantId)).toBeNull();
    expect(await store.revokeClient(client.id)).toBe(false);
  });
  it('keeps a sign-in in progress for any node, spent once even when two posts race', async () => {
    const client = await store.addClient('Pending test', ['http://127.0.0.1/cb']);
    const request = {
      client,
      redirectUri: 'http://127.0.0.1/cb',
      state: 's1',
      codeChallenge: 'c'.repeat(43),
      scope: undefined,
      resource: 'http://127.0.0.1/mcp',
    };
    // Two instances over one database stand for two nodes.
    const shown = new PendingAuthorizations(db);
    const other = new PendingAuthorizations(db);
    const id = await shown.keep({ request, operatorId: 'op_1' });
    const [a, b] = await Promise.all([other.take(id), shown.take(id)]);
    const won = [a, b].filter((p) => p !== null);
    expect(won).toHaveLength(1);
    expect(won[0]).toEqual({ request: JSON.parse(JSON.stringify(request)), operatorId: 'op_1' });
    expect(await other.take(id)).toBeNull();
    for (const bad of [undefined, 42, '', 'x'.repeat(65), 'unknown'])
      expect(await other.take(bad)).toBeNull();
    // An expired one is refused and swept by the next keep.
    const late = await shown.keep({ request });
    await db.updateTable('oauth_pending').set({ expires_at: '2000-01-01T00:00:00.000Z' }).execute();
    await shown.keep({ request });
    expect(await other.take(late)).toBeNull();
    const rows = await db.selectFrom('oauth_pending').select('id').execute();
    expect(rows).toHaveLength(1);
  });
}

describe('the OAuth store on SQLite', () => {
  storeSuite(async () => {
    const sqlite = new Database(':memory:');
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
    return { db, close: () => db.destroy() };
  });
});

describe.skipIf(!postgresAvailable)(
  `the OAuth store on PostgreSQL${postgresAvailable ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    storeSuite(async () => {
      const target = await createTestDatabase();
      const db = new Kysely<Schema>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target.url, max: 4 }) }),
      });
      return {
        db,
        async close() {
          await db.destroy();
          await target.drop();
        },
      };
    });
  },
);
