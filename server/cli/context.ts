import type { Config } from '../config.js';
import { configFromEnv } from '../config.js';
import { loadConfig } from '../sites/load.js';
import { type DataDirState, requireCurrentDataDir } from '../store/data-dir.js';
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

/** What a command works on: the server's own configuration and data directory. */
export interface CliContext {
  config: Config;
  url: string;
  data: DataDirState;
}

/**
 * Reads the same settings as the server (deputy.config.json or DEPUTY_CONFIG, DEPUTY_DATA_DIR,
 * PORT, HOST, DEPUTY_PUBLIC_URL) and says on stderr which it used, so stdout stays the result.
 * The data directory must already exist: it is checked before the configuration is loaded,
 * because loading the demo site's key would otherwise create one.
 */
export async function cliContext(io: CliIo, opts: { allowOlder?: boolean } = {}): Promise<CliContext> {
  const { dataDir } = configFromEnv(io.env);
  const data = requireCurrentDataDir(dataDir, opts);
  const config = await loadConfig(io.env);
  const url = backendUrl(config);
  const configFile =
    config.configFile ?? 'none (no deputy.config.json here, DEPUTY_CONFIG unset): the demo site';
  io.err(`[deputy] config: ${configFile}; data: ${config.dataDir}; server: ${url}`);
  return { config, url, data };
}
