import type { Config } from '../config.js';
import { configFromEnv } from '../config.js';
import { loadConfig } from '../sites/load.js';
import { type DataDirState, requireCurrentDatabase, requireCurrentDataDir } from '../store/data-dir.js';
import { openStore, type Store } from '../store/db.js';
import { openConfigAndStore } from '../store/open.js';
import { fileSecrets, type SecretStore } from '../store/secrets.js';
import type { CliIo } from './io.js';

/** The backend's own URL as the running server derives it: the issuer of MCP tokens. */
export function backendUrl(config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/$/, '');
  const host =
    config.host === '0.0.0.0' || config.host === '::'
      ? '127.0.0.1'
      : config.host.includes(':')
        ? `[${config.host}]`
        : config.host;
  return `http://${host}:${config.port}`;
}

/** What a command works on: the server's own configuration and database. */
export interface CliContext {
  config: Config;
  url: string;
  data: DataDirState;
  /** Where the server keeps its keys (the data directory, or the database with PostgreSQL). */
  secrets: SecretStore;
  /** The server's store, opened on first use and closed by `withCliContext`. */
  store(): Promise<Store>;
  close(): Promise<void>;
}

/**
 * Reads the same settings as the server (deputy.config.json or DEPUTY_CONFIG, DEPUTY_DATA_DIR or
 * DATABASE_URL, PORT, HOST, DEPUTY_PUBLIC_URL) and says on stderr which it used, so stdout stays
 * the result. The database must already exist at the current schema: it is checked before the
 * configuration is loaded, because loading the demo site's key would otherwise create one.
 */
export async function cliContext(io: CliIo, opts: { allowOlder?: boolean } = {}): Promise<CliContext> {
  const env = configFromEnv(io.env);
  if (env.databaseUrl) {
    const data = await requireCurrentDatabase(env.databaseUrl, opts);
    const { config, store } = await openConfigAndStore(io.env);
    return announce(io, {
      config,
      url: backendUrl(config),
      data,
      secrets: store.secrets,
      store: async () => store,
      close: () => store.close(),
    });
  }
  const data = requireCurrentDataDir(env.dataDir, opts);
  const config = await loadConfig(io.env);
  let opened: Promise<Store> | undefined;
  return announce(io, {
    config,
    url: backendUrl(config),
    data,
    secrets: fileSecrets(config.dataDir),
    store: () => {
      opened ??= openStore(config.dataDir);
      return opened;
    },
    close: async () => {
      if (opened) await (await opened).close();
    },
  });
}

function announce(io: CliIo, ctx: CliContext): CliContext {
  const configFile =
    ctx.config.configFile ?? 'none (no deputy.config.json here, DEPUTY_CONFIG unset): the demo site';
  io.err(`[deputy] config: ${configFile}; data: ${ctx.data.file}; server: ${ctx.url}`);
  return ctx;
}

/** Runs a command's body with its context, and closes the store afterwards whatever happens. */
export async function withCliContext<T>(
  io: CliIo,
  opts: { allowOlder?: boolean },
  body: (ctx: CliContext) => Promise<T>,
): Promise<T> {
  const ctx = await cliContext(io, opts);
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}
