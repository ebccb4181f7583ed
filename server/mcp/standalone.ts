import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { SigningKey } from '../auth/keys.js';
import type { Config } from '../config.js';
import { buildCrmRegistry } from '../crm/registry.js';
import { loggerOptions } from '../logging.js';
import type { Store } from '../store/db.js';
import { mcpRoutes } from './http.js';
import { mcpRouteOptions } from './setup.js';

/** `MCP_PORT` (default 3001): where `npm run deputy -- mcp` listens. */
export function mcpPortFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const port = Number(env.MCP_PORT ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`MCP_PORT must be a port number (0-65535), got "${env.MCP_PORT}"`);
  }
  return port;
}

function hostUrl(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${h}:${port}`;
}

/**
 * The MCP CRM server alone, for deployments that split it from the chat backend (docs/architecture.md §9). It
 * shares the backend's data directory (the signing key's public half, the confirmation key and the
 * embedded CRM) and accepts tokens issued by the backend (`DEPUTY_PUBLIC_URL`, else HOST:PORT) for
 * its own canonical URL (`MCP_URL`, else HOST:MCP_PORT/mcp), which the backend must be given too.
 */
export async function buildMcpApp(
  config: Config,
  deps: { store: Store; signingKey: SigningKey; confirmationKey?: Uint8Array },
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config.logLevel),
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    trustProxy: false,
  });
  const issuer = () => config.publicUrl?.replace(/\/$/, '') ?? hostUrl(config.host, config.port);
  const resourceUrl = () => {
    if (config.mcpUrl) return config.mcpUrl;
    const addr = app.server.address() as AddressInfo | null;
    return `${hostUrl(config.host, addr?.port ?? 0)}/mcp`;
  };
  app.get('/healthz', async () => ({ ok: true }));
  const crms = await buildCrmRegistry(config, deps.store.db, { log: app.log });
  await app.register(
    mcpRoutes,
    mcpRouteOptions({ ...deps, config, issuer, resourceUrl, log: app.log, crms }),
  );
  return app;
}
