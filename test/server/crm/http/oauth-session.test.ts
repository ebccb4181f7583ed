import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthSecrets } from '../../../../server/crm/config.js';
import { CrmUnavailableError } from '../../../../server/crm/errors.js';
import { OAuthSession } from '../../../../server/crm/http/oauth.js';
import { sqlRefreshStore } from '../../../../server/crm/http/refresh-store.js';
import { openStore, type Store } from '../../../../server/store/db.js';
import { FakeZendesk } from '../../../fakes/zendesk.js';

/**
 * The OAuth session on its own (docs/crm.md): renewal before a stated expiry, the stored chain of
 * rotated refresh tokens, and a token endpoint that is down or answers something else.
 */
let fake: FakeZendesk;
let store: Store;
let html: Server;
let htmlUrl = '';
const secrets = (refreshToken: string, tokenUrl = `${fake.url}/oauth/tokens`): OAuthSecrets => ({
  grant: 'refresh_token',
  clientId: fake.oauth.clientId,
  clientSecret: fake.oauth.clientSecret,
  refreshToken,
  tokenUrl,
});

beforeAll(async () => {
  fake = new FakeZendesk();
  await fake.start();
  store = await openStore(mkdtempSync(path.join(tmpdir(), 'deputy-oauth-')));
  html = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>Sign in</html>');
  });
  await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
  htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}/oauth/tokens`;
});
afterAll(async () => {
  await fake.stop();
  await store.close();
  await new Promise((resolve) => html.close(resolve));
});

describe('OAuthSession', () => {
  it('renews an access token shortly before the expiry the vendor stated, not after', async () => {
    let now = 1_000_000;
    fake.oauth.refreshToken = 'rt-clock';
    const s = new OAuthSession('zendesk', secrets('rt-clock'), { timeoutMs: 1000, now: () => now });
    const first = await s.authorization();
    expect(await s.authorization()).toBe(first);
    now += 3_000_000; // 50 minutes of the fake's 60
    expect(await s.authorization()).toBe(first);
    now += 560_000; // within the last minute
    const second = await s.authorization();
    expect(second).not.toBe(first);
    expect(s.tokenRequests).toBe(2);
  });

  it('continues the stored chain after a restart, and starts a new one from a new refresh token', async () => {
    fake.oauth.refreshToken = 'rt-seed-a';
    const keep = sqlRefreshStore(store.db, 'acme', 'zendesk');
    await new OAuthSession('zendesk', secrets('rt-seed-a'), { timeoutMs: 1000, store: keep }).authorization();
    const rotated = fake.oauth.refreshToken;
    expect(await keep.load('rt-seed-a')).toBe(rotated);
    // A restart: a new session with the same (now spent) seed uses the stored token.
    const again = new OAuthSession('zendesk', secrets('rt-seed-a'), { timeoutMs: 1000, store: keep });
    await expect(again.authorization()).resolves.toMatch(/^Bearer /);
    // The operator authorised again: the new seed is used, not the old chain.
    fake.oauth.refreshToken = 'rt-seed-b';
    expect(await keep.load('rt-seed-b')).toBeNull();
    const fresh = new OAuthSession('zendesk', secrets('rt-seed-b'), { timeoutMs: 1000, store: keep });
    await expect(fresh.authorization()).resolves.toMatch(/^Bearer /);
    expect(await keep.load('rt-seed-b')).toBe(fake.oauth.refreshToken);
    // Another site's chain is its own.
    expect(await sqlRefreshStore(store.db, 'other', 'zendesk').load('rt-seed-b')).toBeNull();
  });

  it('fails a token endpoint that does not answer, or answers a page instead of a token, as crm_unavailable', async () => {
    const down = new OAuthSession('zendesk', secrets('x', 'http://127.0.0.1:9/oauth/tokens'), {
      timeoutMs: 1000,
    });
    await expect(down.authorization()).rejects.toMatchObject({
      kind: 'network',
      vendorCode: 'token_endpoint',
    });
    const page = new OAuthSession('zendesk', secrets('x', htmlUrl), { timeoutMs: 1000 });
    const err = await page.authorization().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmUnavailableError);
    expect(err).toMatchObject({ kind: 'malformed', vendorCode: 'token_answer' });
    expect(String(err)).not.toContain('Sign in');
  });

  it('keeps only a short OAuth error code from a refusal', async () => {
    fake.oauth.refreshToken = 'rt-current';
    const s = new OAuthSession('zendesk', secrets('rt-wrong'), { timeoutMs: 1000 });
    const err = await s.authorization().catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth', vendorCode: 'invalid_grant', status: 400 });
    expect(String(err)).not.toMatch(/grant is invalid/);
  });
});
