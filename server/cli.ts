import { pathToFileURL } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseScopes, SCOPES } from '../shared/scopes.js';
import { loadSigningKey } from './auth/keys.js';
import { signMcpToken } from './auth/mcp-token.js';
import { signVisitorToken } from './auth/visitor-token.js';
import { crmCommand } from './cli/crm-check.js';
import { importCommand } from './cli/import.js';
import { pickSite } from './cli/site-arg.js';
import type { Config } from './config.js';
import { AuditLog } from './mcp/audit.js';
import { buildMcpApp, mcpPortFromEnv } from './mcp/standalone.js';
import { loadConfig } from './sites/load.js';
import { openStore } from './store/db.js';
import { isEmpty, runsDemoCrm, seedDemo } from './store/seed.js';

const USAGE = `usage: npm run deputy -- <command>

commands:
  seed                                  re-create the demo CRM (customers cus_alice, cus_bob and their tickets)
  token mcp --sub ID --scope "crm.read …" [--ttl 5m] [--site ID] [--email E] [--client NAME]
                                        print an MCP token signed with the server's key (staff clients, tests)
  token visitor --site ID --sub ID [--scope "…"] [--ttl 1h] [--name N] [--email E]
                                        print a visitor token for a configured site (HS256 sites)
  audit [--sub ID] [--since ISO] [--limit N] [--json]
                                        print the MCP audit log, oldest first
  mcp                                   run the MCP server alone on MCP_PORT (default 3001)
  import [--site ID] FILE…              load customers and tickets (CSV or JSON) into a site's embedded CRM
  crm check [--site ID]                 check that the site's CRM answers and allows the reads the tools make

scopes: ${SCOPES.join(', ')}
`;

/** A usage mistake: printed with the usage text, exit code 2. */
class UsageError extends Error {}

/** Where a command reads its environment and writes its output (the process, or a test). */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
}

type Command = (argv: string[], io: CliIo) => Promise<void>;

/** `5m`, `90s`, `1h`, `300` → seconds. */
function parseTtl(text: string): number {
  const m = /^(\d{1,6})([smh]?)$/.exec(text.trim());
  if (!m?.[1]) throw new UsageError(`--ttl must look like 90s, 5m or 1h, got "${text}"`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

/** The backend's own URL as the running server derives it: the issuer of MCP tokens. */
function backendUrl(config: Config): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/$/, '');
  const host =
    config.host === '0.0.0.0' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

function options<const T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], spec: T) {
  try {
    return parseArgs({ args: argv, options: spec, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

const seed: Command = async (_argv, io) => {
  const config = await loadConfig(io.env);
  const store = await openStore(config.dataDir);
  await seedDemo(store);
  await store.close();
  io.out(`seeded the demo CRM in ${store.file}`);
};

const token: Command = async (argv, io) => {
  const { values, positionals } = options(argv, {
    sub: { type: 'string' },
    scope: { type: 'string' },
    ttl: { type: 'string' },
    site: { type: 'string' },
    client: { type: 'string' },
    name: { type: 'string' },
    email: { type: 'string' },
  });
  const kind = positionals[0];
  if (!values.sub || !/^[A-Za-z0-9_.:@-]{1,128}$/.test(values.sub))
    throw new UsageError('--sub is required (letters, digits and _.:@-, at most 128)');
  const config = await loadConfig(io.env);
  if (kind === 'mcp') {
    const scopes = parseScopes(values.scope ?? '', { allowStaff: true });
    if (scopes.length === 0) throw new UsageError(`--scope needs at least one of: ${SCOPES.join(' ')}`);
    const ttl = parseTtl(values.ttl ?? '5m');
    if (ttl > 300) throw new UsageError('--ttl is at most 5m: MCP tokens are short-lived');
    const key = await loadSigningKey(config.dataDir);
    const issuer = backendUrl(config);
    const jwt = await signMcpToken(
      key,
      { issuer, audience: config.mcpUrl ?? `${issuer}/mcp`, ttlSeconds: ttl },
      {
        sub: values.sub,
        scopes,
        client: values.client ?? 'deputy-cli',
        // The site picks the CRM and the tenant: the only site, else demo, when not given.
        site: pickSite(config, values.site).id,
        ...(values.email ? { email: values.email } : {}),
      },
    );
    io.err(
      `[deputy] token for site ${pickSite(config, values.site).id}, issuer ${issuer}, audience ${config.mcpUrl ?? `${issuer}/mcp`} (config ${config.configFile ?? 'default demo'}, data ${config.dataDir})`,
    );
    io.out(jwt);
    return;
  }
  if (kind === 'visitor') {
    const site = values.site ? config.sites.get(values.site) : undefined;
    if (!site) throw new UsageError(`--site must be one of: ${[...config.sites.keys()].join(', ')}`);
    const key = site.visitorKeys.find((k) => k.kind === 'hs256');
    if (key?.kind !== 'hs256')
      throw new Error(
        `site ${site.id} verifies visitor tokens with public keys: sign them with your own key`,
      );
    if (values.sub.startsWith('anon:')) throw new UsageError('--sub cannot be anonymous (anon:…)');
    const jwt = await signVisitorToken({
      secret: key.secret,
      site: site.id,
      audience: config.visitorAudience,
      sub: values.sub,
      ttlSeconds: parseTtl(values.ttl ?? '1h'),
      ...(values.scope ? { scope: values.scope } : {}),
      ...(values.name ? { name: values.name } : {}),
      ...(values.email ? { email: values.email } : {}),
    });
    io.out(jwt);
    return;
  }
  throw new UsageError('token needs a kind: mcp or visitor');
};

const audit: Command = async (argv, io) => {
  const { values } = options(argv, {
    sub: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since)))
    throw new UsageError(`--since must be an ISO-8601 time, got "${values.since}"`);
  const limit = values.limit === undefined ? 1000 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
  const config = await loadConfig(io.env);
  const store = await openStore(config.dataDir);
  try {
    const rows = await new AuditLog(store.db).query({
      limit,
      ...(values.sub ? { sub: values.sub } : {}),
      ...(values.since ? { since: new Date(values.since).toISOString() } : {}),
    });
    for (const r of rows) {
      if (values.json) {
        io.out(JSON.stringify(r));
        continue;
      }
      const result = r.error_code ? `${r.outcome}:${r.error_code}` : r.outcome;
      io.out(
        [
          r.at,
          r.sub,
          r.client,
          r.tool,
          result,
          `${r.latency_ms}ms`,
          `[${r.scopes}]`,
          r.args,
          `jti=${r.jti}`,
        ].join('  '),
      );
    }
    if (!values.json) io.err(`${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}`);
  } finally {
    await store.close();
  }
};

const mcp: Command = async (_argv, io) => {
  const config = await loadConfig(io.env);
  const port = mcpPortFromEnv(io.env);
  const store = await openStore(config.dataDir);
  if (runsDemoCrm(config) && (await isEmpty(store))) await seedDemo(store);
  const signingKey = await loadSigningKey(config.dataDir);
  const app = await buildMcpApp(config, { store, signingKey });
  app.addHook('onClose', async () => store.close());
  await app.listen({ host: config.host, port });
  const addr = app.server.address();
  const actual = addr && typeof addr === 'object' ? addr.port : port;
  io.out(`Deputy MCP server listening on http://${config.host}:${actual}/mcp`);
  const shutdown = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
};

export const COMMANDS: Record<string, Command> = {
  seed,
  token,
  audit,
  mcp,
  import: importCommand,
  crm: crmCommand,
};

/**
 * Runs one CLI command and returns its exit code: 0, 2 for a usage mistake (with the usage text),
 * 1 for any other failure. `mcp` resolves once listening and keeps the process alive.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(USAGE);
    return name && name !== 'help' && name !== '--help' ? 2 : 0;
  }
  try {
    await command(rest, io);
    return 0;
  } catch (err) {
    io.err(`[deputy] ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof UsageError) io.err(`\n${USAGE}`);
    return err instanceof UsageError ? 2 : 1;
  }
}

// Run only as the entry point (`npm run deputy`), so tests can import runCli.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  runCli(process.argv.slice(2), io).then((code) => {
    if (code !== 0) process.exit(code);
  });
}
