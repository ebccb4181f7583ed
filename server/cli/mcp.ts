import { loadSigningKey } from '../auth/keys.js';
import { buildMcpApp, mcpPortFromEnv } from '../mcp/standalone.js';
import { storedSecret } from '../store/secrets.js';
import { cliContext } from './context.js';
import type { CliCommand } from './io.js';

/**
 * `mcp`: the MCP server alone on MCP_PORT, sharing the backend's database and keys
 * (docs/architecture.md §9). Resolves once listening; the process then lives until a signal.
 */
export const mcp: CliCommand = {
  name: 'mcp',
  usage: '  mcp                                   run the MCP server alone on MCP_PORT (default 3001)',
  async run(_argv, io) {
    const port = mcpPortFromEnv(io.env);
    const ctx = await cliContext(io);
    let app: Awaited<ReturnType<typeof buildMcpApp>>;
    try {
      const signingKey = await loadSigningKey(ctx.secrets, { create: false });
      const confirmationKey = await storedSecret(ctx.secrets, 'mcp-confirmation');
      const store = await ctx.store();
      app = await buildMcpApp(ctx.config, { store, signingKey, confirmationKey });
    } catch (err) {
      await ctx.close();
      throw err;
    }
    app.addHook('onClose', async () => ctx.close());
    const { config } = ctx;
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
