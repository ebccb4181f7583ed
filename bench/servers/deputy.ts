// The real Deputy backend (bootApp: migrated, seeded demo CRM, keys) on a temp data dir (or the
// PostgreSQL database in DATABASE_URL), in its own process, for the visitor-turn, MCP, idle-session
// and store benchmarks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signVisitorToken } from '../../server/auth/visitor-token.js';
import { bootApp } from '../../server/boot.js';
import { storedSecret } from '../../server/store/secrets.js';
import { serveParent } from '../lib/serve.js';

/**
 * The per-visitor and per-address abuse limits are raised: every simulated visitor is the demo
 * customer Alice from 127.0.0.1, which the defaults (rightly) treat as one abusive visitor. The
 * limiters still run on every frame; they just never refuse.
 */
const UNLIMITED = '100000000';
const LIMITS = [
  'FRAMES_PER_SECOND',
  'FRAME_BURST',
  'CONNECTIONS_PER_IP',
  'CONNECTIONS_PER_VISITOR',
  'MESSAGES_PER_MINUTE',
  'MODEL_CALLS_PER_MINUTE',
];

const dataDir = mkdtempSync(path.join(tmpdir(), 'deputy-bench-'));
const { app } = await bootApp({
  ...Object.fromEntries(LIMITS.map((name) => [`DEPUTY_LIMIT_${name}`, UNLIMITED])),
  ...process.env,
  DEPUTY_DATA_DIR: dataDir,
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
});
await app.listen({ host: '127.0.0.1', port: 0 });
const { store } = app.deputy;
// The site's secret is wherever the store keeps it (the database with DATABASE_URL).
const visitorToken = await signVisitorToken({
  secret: await storedSecret(store.secrets, 'site-demo'),
  site: 'demo',
  audience: 'deputy',
  sub: 'cus_alice',
  name: 'Alice Martin',
});
serveParent(
  { url: app.deputy.selfUrl(), dataDir, visitorToken },
  async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  },
  () => store.statements(),
);
