import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, OAuthClientsTable, OAuthGrantsTable } from '../store/schema.js';

/** An authorization code lives this long: long enough for a browser round trip, no more. */
export const CODE_TTL_MS = 5 * 60_000;
/** A refresh token is good for this long if never used; each use hands out a new one. */
export const REFRESH_TTL_MS = 30 * 24 * 3600_000;

export type OAuthClient = Omit<Selectable<OAuthClientsTable>, 'redirect_uris'> & { redirectUris: string[] };
export type OAuthGrant = Selectable<OAuthGrantsTable>;

/** Stored secrets are their sha256 only: a copy of the database redeems nothing. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function toClient(row: Selectable<OAuthClientsTable>): OAuthClient {
  const { redirect_uris, ...rest } = row;
  return { ...rest, redirectUris: JSON.parse(redirect_uris) as string[] };
}

/**
 * Clients, grants, codes and refresh-token chains of the staff authorization server
 * (docs/staff-mcp.md). Every single-use step is one conditional UPDATE, so two concurrent
 * redemptions cannot both win on either engine.
 */
export class OAuthStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async addClient(name: string, redirectUris: readonly string[]): Promise<OAuthClient> {
    const row = {
      id: `mcp_${randomBytes(12).toString('base64url')}`,
      name,
      redirect_uris: JSON.stringify(redirectUris),
      created_at: iso(this.now()),
      revoked_at: null,
    };
    await this.db.insertInto('oauth_clients').values(row).execute();
    return toClient(row);
  }

  async client(id: string): Promise<OAuthClient | null> {
    const row = await this.db.selectFrom('oauth_clients').selectAll().where('id', '=', id).executeTakeFirst();
    return row && row.revoked_at === null ? toClient(row) : null;
  }

  async clientCount(): Promise<number> {
    const r = await this.db
      .selectFrom('oauth_clients')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Every client with its live grants, newest first (the `oauth clients` command). */
  async listClients(): Promise<(OAuthClient & { grants: OAuthGrant[] })[]> {
    const clients = await this.db
      .selectFrom('oauth_clients')
      .selectAll()
      .orderBy('created_at', 'desc')
      .execute();
    const grants = await this.db
      .selectFrom('oauth_grants')
      .selectAll()
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
    return clients.map((c) => ({ ...toClient(c), grants: grants.filter((g) => g.client_id === c.id) }));
  }

  /** Revokes a client and every grant it holds. False when there is no such live client. */
  async revokeClient(id: string): Promise<boolean> {
    const at = iso(this.now());
    const r = await this.db
      .updateTable('oauth_clients')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await this.db
      .updateTable('oauth_grants')
      .set({ revoked_at: at, revoked_reason: 'client revoked' })
      .where('client_id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    return Number(r.numUpdatedRows) > 0;
  }

  /** One operator's consent to one client, with the code that redeems it. */
  async grant(g: {
    clientId: string;
    operatorId: string;
    siteId: string;
    scope: string;
    resource: string;
    redirectUri: string;
    codeChallenge: string;
  }): Promise<{ grantId: string; code: string }> {
    const grantId = `gr_${randomBytes(12).toString('base64url')}`;
    const code = newSecret('dpy_ac_');
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('oauth_grants')
        .values({
          id: grantId,
          client_id: g.clientId,
          operator_id: g.operatorId,
          site_id: g.siteId,
          scope: g.scope,
          resource: g.resource,
          created_at: iso(now),
          revoked_at: null,
          revoked_reason: null,
        })
        .execute();
      await trx
        .insertInto('oauth_codes')
        .values({
          code_hash: secretHash(code),
          grant_id: grantId,
          client_id: g.clientId,
          redirect_uri: g.redirectUri,
          code_challenge: g.codeChallenge,
          expires_at: iso(now + CODE_TTL_MS),
          used_at: null,
        })
        .execute();
    });
    return { grantId, code };
  }

  /**
   * Spends a code. A code presented a second time revokes its grant, so tokens handed out for the
   * first use stop working too (O3).
   */
  async redeemCode(
    code: string,
  ): Promise<
    | { ok: true; grant: OAuthGrant; redirectUri: string; codeChallenge: string; clientId: string }
    | { ok: false; reused: boolean }
  > {
    const hash = secretHash(code);
    const row = await this.db
      .selectFrom('oauth_codes')
      .selectAll()
      .where('code_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return { ok: false, reused: false };
    const spent = await this.db
      .updateTable('oauth_codes')
      .set({ used_at: iso(this.now()) })
      .where('code_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) === 0) {
      await this.revokeGrant(row.grant_id, 'authorization code reused');
      return { ok: false, reused: true };
    }
    const grant = await this.liveGrant(row.grant_id);
    if (!grant || row.expires_at < iso(this.now())) return { ok: false, reused: false };
    return {
      ok: true,
      grant,
      redirectUri: row.redirect_uri,
      codeChallenge: row.code_challenge,
      clientId: row.client_id,
    };
  }

  /** A new refresh token in the grant's chain. */
  async issueRefresh(grantId: string): Promise<string> {
    const token = newSecret('dpy_rt_');
    const now = this.now();
    await this.db
      .insertInto('oauth_refresh_tokens')
      .values({
        token_hash: secretHash(token),
        grant_id: grantId,
        expires_at: iso(now + REFRESH_TTL_MS),
        created_at: iso(now),
        used_at: null,
      })
      .execute();
    return token;
  }

  /**
   * Spends a refresh token (rotation). One already spent means it was copied: the whole grant is
   * revoked, the thief's chain and the owner's alike (O4).
   */
  async spendRefresh(
    token: string,
  ): Promise<{ ok: true; grant: OAuthGrant } | { ok: false; reused: boolean }> {
    const hash = secretHash(token);
    const row = await this.db
      .selectFrom('oauth_refresh_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return { ok: false, reused: false };
    const spent = await this.db
      .updateTable('oauth_refresh_tokens')
      .set({ used_at: iso(this.now()) })
      .where('token_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) === 0) {
      await this.revokeGrant(row.grant_id, 'refresh token reused');
      return { ok: false, reused: true };
    }
    const grant = await this.liveGrant(row.grant_id);
    if (!grant || row.expires_at < iso(this.now())) return { ok: false, reused: false };
    return { ok: true, grant };
  }

  /** The grant a refresh token belongs to, without spending it (revocation). */
  async grantOfRefresh(token: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('oauth_refresh_tokens')
      .select('grant_id')
      .where('token_hash', '=', secretHash(token))
      .executeTakeFirst();
    return row?.grant_id ?? null;
  }

  async liveGrant(id: string): Promise<OAuthGrant | null> {
    const g = await this.db.selectFrom('oauth_grants').selectAll().where('id', '=', id).executeTakeFirst();
    return g && g.revoked_at === null ? g : null;
  }

  /** Revokes a grant: its refresh tokens and (within one request) its access tokens stop working. */
  async revokeGrant(id: string, reason: string): Promise<boolean> {
    const r = await this.db
      .updateTable('oauth_grants')
      .set({ revoked_at: iso(this.now()), revoked_reason: reason.slice(0, 100) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
