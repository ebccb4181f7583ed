import { loadSigningKey } from '../auth/keys.js';
import { buildMcpApp, mcpPortFromEnv } from '../mcp/standalone.js';
import { openStore } from '../store/db.js';
import { cliContext } from './context.js';
import type { CliCommand } from './io.js';

/**
 * `mcp`: the MCP server alone on MCP_PORT, sharing the backend's data directory and key
 * (docs/architecture.md §9). Resolves once listening; the process then lives until a signal.
 */
export const mcp: CliCommand = {
  name: 'mcp',
  usage: '  mcp                                   run the MCP server alone on MCP_PORT (default 3001)',
  async run(_argv, io) {
    const port = mcpPortFromEnv(io.env);
    const { config } = await cliContext(io);
    const signingKey = await loadSigningKey(config.dataDir, { create: false });
    const store = await openStore(config.dataDir);
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
  },
};
