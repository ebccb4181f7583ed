import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/sites/load.js';
import { FakeZendesk } from '../../fakes/zendesk.js';
import { callTool, errorOf, rows } from '../mcp/support.js';
import { type CrmFixture, startCrm, VISITOR } from './harness.js';

/** The OAuth client the fakes accept (test/fakes/base.ts) and the refresh token they start from. */
const ENV = {
  ACME_CLIENT_ID: 'deputy-client-id',
  ACME_CLIENT_SECRET: 'deputy-client-secret',
  ACME_REFRESH_TOKEN: 'rt-0',
  LOG_LEVEL: 'info',
};
const REFRESH_GRANT = {
  grant: 'refresh_token',
  clientIdEnv: 'ACME_CLIENT_ID',
  clientSecretEnv: 'ACME_CLIENT_SECRET',
  refreshTokenEnv: 'ACME_REFRESH_TOKEN',
};
const VENDOR_WORDS = /invalid_grant|error_description|grant is invalid|expired access\/refresh token/i;

/**
 * OAuth instead of a static token (docs/crm.md): the access token is fetched on first use, renewed
 * once when it expires mid-session (one token request however many calls meet the expiry), Zendesk's
 * rotated refresh token survives a restart, and a renewal that fails is a coded `crm_unavailable` with
 * no token and no vendor text outside the operator's logs and metrics (docs/threat-model.md L2).
 */
describe.each(['salesforce', 'zendesk'] as const)('CRM OAuth: %s', (kind) => {
  let f: CrmFixture;
  const lines: string[] = [];
  /** Every secret the run handled, none of which may reach a log line. */
  const secrets = new Set<string>([ENV.ACME_CLIENT_SECRET, ENV.ACME_REFRESH_TOKEN]);
  const fake = () => {
    if (!f.fake) throw new Error('no fake');
    return f.fake;
  };
  const read = async () => {
    const res = await callTool(f.server, await f.token(f.alice, VISITOR), 'get_customer_info', {});
    secrets.add(fake().token);
    secrets.add(fake().oauth.refreshToken);
    return res;
  };

  beforeAll(async () => {
    f = await startCrm(kind, {
      oauth: REFRESH_GRANT,
      env: ENV,
      logStream: { write: (line) => void lines.push(line) },
    });
  });
  afterAll(async () => {
    await f.close();
  });

  it('fetches an access token on first use', async () => {
    expect((await read()).structuredContent).toMatchObject({ customer_id: f.alice });
    expect(fake().tokenRequests).toBe(1);
  });

  it('renews a token that expires mid-session once, and the call succeeds', async () => {
    const tokens = fake().tokenRequests;
    const sent = fake().requests.length;
    fake().expireAccessToken();
    expect((await read()).structuredContent).toMatchObject({ customer_id: f.alice });
    expect(fake().tokenRequests - tokens).toBe(1);
    // The refused request, the token request, and the same request again.
    expect(fake().requests.length - sent).toBe(3);
  });

  it('makes one token request for ten concurrent calls that meet the expiry', async () => {
    await read();
    const tokens = fake().tokenRequests;
    fake().expireAccessToken();
    const results = await Promise.all(Array.from({ length: 10 }, () => read()));
    for (const r of results) expect(r.structuredContent).toMatchObject({ customer_id: f.alice });
    expect(fake().tokenRequests - tokens).toBe(1);
  });

  it('answers a renewal the vendor refuses with a coded crm_unavailable, its code in logs and metrics only', async () => {
    const good = fake().oauth.refreshToken;
    fake().oauth.refreshToken = 'revoked-by-an-admin';
    fake().expireAccessToken();
    const res = await read();
    const err = errorOf(res);
    expect(err.error).toBe('crm_unavailable');
    const text = JSON.stringify(res);
    expect(text).not.toMatch(VENDOR_WORDS);
    for (const s of secrets) expect(text).not.toContain(s);
    const metrics = await (await fetch(`${f.server.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `deputy_crm_errors_total\\{crm="${kind}",site="acme",kind="auth",vendor_code="invalid_grant"\\} 1`,
      ),
    );
    expect(lines.join('\n')).toContain('invalid_grant');
    fake().oauth.refreshToken = good;
    expect((await read()).structuredContent).toMatchObject({ customer_id: f.alice });
  });

  it.runIf(kind === 'zendesk')(
    'keeps the rotated refresh token, so a restart uses the newest and not the spent one',
    async () => {
      const newest = fake().oauth.refreshToken;
      const zd = fake();
      if (!(zd instanceof FakeZendesk)) throw new Error('not Zendesk');
      expect(zd.spentRefreshTokens).toContain(ENV.ACME_REFRESH_TOKEN);
      const stored = rows<{ refresh_token: string }>(
        f.server,
        "select refresh_token from crm_oauth where site_id = 'acme'",
      );
      expect(stored).toEqual([{ refresh_token: newest }]);
      await f.restart();
      const tokens = fake().tokenRequests;
      expect((await read()).structuredContent).toMatchObject({ customer_id: f.alice });
      expect(fake().tokenRequests - tokens).toBe(1);
      // The fake refuses the spent one, which is what the environment still holds.
      const reuse = await fetch(`${fake().url}/oauth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'refresh_token',
          refresh_token: ENV.ACME_REFRESH_TOKEN,
          client_id: ENV.ACME_CLIENT_ID,
          client_secret: ENV.ACME_CLIENT_SECRET,
        }),
      });
      expect(reuse.status).toBe(400);
      expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
    },
  );

  it('never writes a token or secret to the log', () => {
    expect(lines.length).toBeGreaterThan(0);
    const log = lines.join('\n');
    for (const s of secrets) expect(log).not.toContain(s);
    expect(log).not.toMatch(/grant is invalid|expired access\/refresh token/);
  });
});

describe('CRM OAuth: Salesforce client credentials', () => {
  let f: CrmFixture;
  beforeAll(async () => {
    f = await startCrm('salesforce', {
      oauth: {
        grant: 'client_credentials',
        clientIdEnv: 'ACME_CLIENT_ID',
        clientSecretEnv: 'ACME_CLIENT_SECRET',
      },
      env: { ...ENV, LOG_LEVEL: 'silent' },
    });
  });
  afterAll(async () => {
    await f.close();
  });

  it('fetches a token with the client-credentials grant and renews it on INVALID_SESSION_ID', async () => {
    const token = await f.token(f.alice, VISITOR);
    expect((await callTool(f.server, token, 'get_customer_info', {})).structuredContent).toMatchObject({
      customer_id: f.alice,
    });
    f.fake?.expireAccessToken();
    expect((await callTool(f.server, token, 'get_customer_info', {})).structuredContent).toMatchObject({
      customer_id: f.alice,
    });
    expect(f.fake?.tokenRequests).toBe(2);
  });
});

describe('boot refuses a bad CRM OAuth configuration, naming the field', () => {
  const file = (crm: unknown) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deputy-cfg-'));
    const at = path.join(dir, 'deputy.config.json');
    const site = {
      origins: ['self'],
      keys: [{ type: 'hs256', generate: true }],
      defaultScopes: VISITOR,
      crm,
    };
    writeFileSync(at, JSON.stringify({ sites: { acme: site } }));
    return at;
  };
  const load = (crm: unknown, env: Record<string, string> = {}) =>
    loadConfig({ DEPUTY_CONFIG: file(crm), ...env });
  const sf = { type: 'salesforce', baseUrl: 'https://acme.my.salesforce.com' };
  const zd = { type: 'zendesk', baseUrl: 'https://acme.zendesk.com' };

  it('neither a token nor an oauth block', async () => {
    await expect(load(sf)).rejects.toThrow(/sites\.acme\.crm\.tokenEnv: required \(or an oauth block\)/);
  });

  it('both a token and an oauth block', async () => {
    await expect(load({ ...sf, tokenEnv: 'SF_TOKEN', oauth: REFRESH_GRANT }, ENV)).rejects.toThrow(
      /sites\.acme\.crm\.oauth: give either tokenEnv or oauth, not both/,
    );
  });

  it('an oauth secret variable that is not set', async () => {
    const { ACME_REFRESH_TOKEN: _unset, ...env } = ENV;
    await expect(load({ ...zd, oauth: REFRESH_GRANT }, env)).rejects.toThrow(
      /sites\.acme\.crm\.oauth\.refreshTokenEnv: environment variable ACME_REFRESH_TOKEN is not set/,
    );
    await expect(load({ ...zd, oauth: REFRESH_GRANT }, ENV)).resolves.toBeDefined();
  });

  it('a grant the vendor does not offer here, and a token URL off https', async () => {
    const cc = { grant: 'client_credentials', clientIdEnv: 'A', clientSecretEnv: 'B' };
    await expect(load({ ...zd, oauth: cc }, ENV)).rejects.toThrow(/sites\.acme\.crm\.oauth/);
    const plain = { ...REFRESH_GRANT, tokenUrl: 'http://login.salesforce.com/services/oauth2/token' };
    await expect(load({ ...sf, oauth: plain }, ENV)).rejects.toThrow(
      /sites\.acme\.crm\.oauth\.tokenUrl: must be an https URL/,
    );
  });
});
