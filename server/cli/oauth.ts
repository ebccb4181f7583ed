import { OAuthStore } from '../oauth/store.js';
import { openStore } from '../store/db.js';
import { cliContext } from './context.js';
import { type CliCommand, options, UsageError } from './io.js';

/** `oauth clients|revoke`: the staff MCP clients operators connected, and taking them back (docs/staff-mcp.md). */
export const oauthCommand: CliCommand = {
  name: 'oauth',
  usage: `  oauth clients [--json]               list registered MCP clients and their live grants (operator, site, scopes)
  oauth revoke ID                       revoke a client (mcp_…, with every grant it holds) or one grant (gr_…);
                                        its tokens stop working at their next request`,
  async run(argv, io) {
    const { values, positionals } = options(argv, { json: { type: 'boolean' } });
    const [action, id] = positionals;
    if (action !== 'clients' && action !== 'revoke')
      throw new UsageError('oauth needs an action: clients or revoke');
    if (action === 'revoke' && (!id || !/^(mcp|gr)_[A-Za-z0-9_-]{16}$/.test(id)))
      throw new UsageError(
        'oauth revoke needs a client id (mcp_…) or a grant id (gr_…), as `oauth clients` prints them',
      );
    const { config } = await cliContext(io);
    const store = await openStore(config.dataDir);
    try {
      const oauth = new OAuthStore(store.db);
      if (action === 'revoke' && id) {
        const done = id.startsWith('mcp_')
          ? await oauth.revokeClient(id)
          : await oauth.revokeGrant(id, 'revoked by an administrator');
        if (!done) throw new Error(`no live client or grant ${id}`);
        io.out(`revoked ${id}`);
        return;
      }
      const emails = new Map(
        (await store.db.selectFrom('operators').select(['id', 'email']).execute()).map((o) => [
          o.id,
          o.email,
        ]),
      );
      const clients = await oauth.listClients();
      for (const c of clients) {
        const grants = c.grants.map((g) => ({
          grant: g.id,
          operator: emails.get(g.operator_id) ?? g.operator_id,
          site: g.site_id,
          scope: g.scope,
          since: g.created_at,
        }));
        if (values.json) {
          io.out(
            JSON.stringify({
              client: c.id,
              name: c.name,
              created: c.created_at,
              revoked: c.revoked_at,
              redirect_uris: c.redirectUris,
              grants,
            }),
          );
          continue;
        }
        const state = c.revoked_at
          ? `revoked ${c.revoked_at}`
          : `${grants.length} live grant${grants.length === 1 ? '' : 's'}`;
        io.out(
          `${c.id}  ${JSON.stringify(c.name)}  registered ${c.created_at}  ${state}  ${c.redirectUris.join(' ')}`,
        );
        for (const g of grants)
          io.out(`  ${g.grant}  ${g.operator}  site ${g.site}  [${g.scope}]  since ${g.since}`);
      }
      if (!values.json) io.err(`${clients.length} client${clients.length === 1 ? '' : 's'}`);
    } finally {
      await store.close();
    }
  },
};
