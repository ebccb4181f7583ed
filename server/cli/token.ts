import { parseScopes, SCOPES } from '../../shared/scopes.js';
import { loadSigningKey } from '../auth/keys.js';
import { signMcpToken } from '../auth/mcp-token.js';
import { signVisitorToken } from '../auth/visitor-token.js';
import { withCliContext } from './context.js';
import { type CliCommand, options, parseTtl, UsageError } from './io.js';
import { pickSite } from './site-arg.js';

/** `token mcp|visitor`: prints a token the running server accepts, signed with its own keys. */
export const token: CliCommand = {
  name: 'token',
  usage: `  token mcp --sub ID --scope "crm.read …" [--ttl 5m] [--site ID] [--email E] [--client NAME]
                                        print an MCP token signed with the server's key (staff clients, tests)
  token visitor --site ID --sub ID [--scope "…"] [--ttl 1h] [--name N] [--email E]
                                        print a visitor token for a configured site (HS256 sites)`,
  async run(argv, io) {
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
    if (kind !== 'mcp' && kind !== 'visitor') throw new UsageError('token needs a kind: mcp or visitor');
    if (!values.sub || !/^[A-Za-z0-9_.:@-]{1,128}$/.test(values.sub))
      throw new UsageError('--sub is required (letters, digits and _.:@-, at most 128)');
    if (kind === 'mcp') {
      const scopes = parseScopes(values.scope ?? '', { allowStaff: true });
      if (scopes.length === 0) throw new UsageError(`--scope needs at least one of: ${SCOPES.join(' ')}`);
      const ttl = parseTtl(values.ttl ?? '5m');
      if (ttl > 300) throw new UsageError('--ttl is at most 5m: MCP tokens are short-lived');
      const { config, url, key } = await withCliContext(io, {}, async (ctx) => ({
        ...ctx,
        key: await loadSigningKey(ctx.secrets, { create: false }),
      }));
      // The site picks the CRM and the tenant: the only site, else demo, when not given.
      const site = pickSite(config, values.site).id;
      const jwt = await signMcpToken(
        key,
        { issuer: url, audience: config.mcpUrl ?? `${url}/mcp`, ttlSeconds: ttl },
        {
          sub: values.sub,
          scopes,
          client: values.client ?? 'deputy-cli',
          site,
          ...(values.email ? { email: values.email } : {}),
        },
      );
      io.err(`[deputy] token for site ${site}, audience ${config.mcpUrl ?? `${url}/mcp`}`);
      io.out(jwt);
      return;
    }
    if (values.sub.startsWith('anon:')) throw new UsageError('--sub cannot be anonymous (anon:…)');
    const ttl = parseTtl(values.ttl ?? '1h');
    const { config } = await withCliContext(io, {}, async (ctx) => ctx);
    const site = values.site ? config.sites.get(values.site) : undefined;
    if (!site) throw new UsageError(`--site must be one of: ${[...config.sites.keys()].join(', ')}`);
    const key = site.visitorKeys.find((k) => k.kind === 'hs256');
    if (key?.kind !== 'hs256')
      throw new Error(
        `site ${site.id} verifies visitor tokens with public keys: sign them with your own key`,
      );
    const jwt = await signVisitorToken({
      secret: key.secret,
      site: site.id,
      audience: config.visitorAudience,
      sub: values.sub,
      ttlSeconds: ttl,
      ...(values.scope ? { scope: values.scope } : {}),
      ...(values.name ? { name: values.name } : {}),
      ...(values.email ? { email: values.email } : {}),
    });
    io.out(jwt);
  },
};
