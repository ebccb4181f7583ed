import { CrmUnavailableError } from '../crm/errors.js';
import { createCrmRegistry } from '../crm/registry.js';
import { cliContext } from './context.js';
import { type CliCommand, options, UsageError } from './io.js';
import { pickSite } from './site-arg.js';

/**
 * `npm run deputy -- crm check --site SITE`: whether the site's CRM answers and lets the token read
 * what the tools read (contacts by id and email, tickets; HubSpot's pipeline stages). Writes are not
 * tried: a check must change nothing. Exit 1 when any step fails.
 */
export const crmCommand: CliCommand = {
  name: 'crm',
  usage:
    "  crm check [--site ID]                 check that the site's CRM answers and allows the reads the tools make",
  run: (argv, io) => runCrmCheck(argv, io),
};

async function runCrmCheck(argv: string[], io: Parameters<CliCommand['run']>[1]): Promise<void> {
  const { values, positionals } = options(argv, { site: { type: 'string' } });
  if (positionals[0] !== 'check') throw new UsageError('crm needs a subcommand: crm check [--site ID]');
  const ctx = await cliContext(io);
  try {
    const site = pickSite(ctx.config, values.site);
    const store = await ctx.store();
    const registry = createCrmRegistry({ sites: new Map([[site.id, site]]) }, store.db, {});
    const crm = registry.get(site.id);
    if (!crm) throw new Error(`site ${site.id} has no CRM`);
    io.out(`site ${site.id}: ${crm.type} CRM, identity by ${crm.identity}`);
    const probe = (crm.type === 'embedded' ? 'probe' : '1').padStart(crm.type === 'salesforce' ? 18 : 1, '0');
    const steps: [string, () => Promise<unknown>][] = [];
    const start = (crm.adapter as { start?: () => Promise<void> }).start;
    if (start) steps.push(['read ticket pipeline stages', () => start.call(crm.adapter)]);
    steps.push(
      ['read a contact by id', () => crm.adapter.getCustomer(probe)],
      ['find a contact by email', () => crm.adapter.findCustomerByEmail('deputy-crm-check@example.invalid')],
      ['read a ticket by id', () => crm.adapter.getTicket(crm.type === 'embedded' ? 'T-1' : '1')],
    );
    let failed = 0;
    for (const [what, step] of steps) {
      try {
        await step();
        io.out(`  ok    ${what}`);
      } catch (err) {
        failed++;
        const why =
          err instanceof CrmUnavailableError
            ? `${err.kind}${err.vendorCode ? ` (${err.vendorCode})` : ''}${err.status ? ` HTTP ${err.status}` : ''}`
            : String(err);
        io.out(`  FAIL  ${what}: ${why}`);
      }
    }
    if (failed > 0)
      throw new Error(`${failed} check(s) failed: see docs/crm.md for the scopes each CRM needs`);
    io.out('the CRM answers and allows every read the tools make (writes are not tried)');
  } finally {
    await ctx.close();
  }
}
