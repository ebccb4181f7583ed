import { readFileSync } from 'node:fs';
import { importRecords } from '../crm/import/run.js';
import { cliContext } from './context.js';
import { type CliCommand, options, UsageError } from './io.js';
import { pickSite } from './site-arg.js';

/**
 * `npm run deputy -- import --site SITE FILE…`: customers and tickets (CSV or JSON, docs/crm.md) into
 * a site's embedded CRM. Every bad row is named with its field; with any, nothing is written.
 */
export const importCommand: CliCommand = {
  name: 'import',
  usage:
    "  import [--site ID] FILE…              load customers and tickets (CSV or JSON) into a site's embedded CRM",
  run: (argv, io) => runImport(argv, io),
};

async function runImport(argv: string[], io: Parameters<CliCommand['run']>[1]): Promise<void> {
  const { values, positionals } = options(argv, { site: { type: 'string' } });
  if (positionals.length === 0) throw new UsageError('import needs at least one CSV or JSON file');
  const ctx = await cliContext(io);
  try {
    const site = pickSite(ctx.config, values.site);
    if ((site.crm?.type ?? 'embedded') !== 'embedded')
      throw new Error(`site ${site.id} uses the ${site.crm?.type} CRM: import into that CRM directly`);
    const files = positionals.map((name) => ({ name, text: readFileSync(name, 'utf8') }));
    const store = await ctx.store();
    const report = await importRecords(store, site.id, site.phoneCountry, files);
    if (report.problems.length > 0) {
      for (const p of report.problems) io.err(p);
      throw new Error(`${report.problems.length} problem(s); nothing was imported`);
    }
    const c = report.customers;
    const t = report.tickets;
    io.out(
      `site ${site.id} (${store.location}): customers ${c.added} added, ${c.updated} updated, ${c.unchanged} unchanged; tickets ${t.added} added, ${t.updated} updated, ${t.unchanged} unchanged`,
    );
  } finally {
    await ctx.close();
  }
}
