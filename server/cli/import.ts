import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli.js';
import { importRecords } from '../crm/import/run.js';
import { loadConfig } from '../sites/load.js';
import { openStore } from '../store/db.js';
import { pickSite } from './site-arg.js';

/**
 * `npm run deputy -- import --site SITE FILE…`: customers and tickets (CSV or JSON, docs/crm.md) into
 * a site's embedded CRM. Every bad row is named with its field; with any, nothing is written.
 */
export async function importCommand(argv: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { site: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new Error('import needs at least one CSV or JSON file');
  const config = await loadConfig(io.env);
  const site = pickSite(config, values.site);
  if ((site.crm?.type ?? 'embedded') !== 'embedded')
    throw new Error(`site ${site.id} uses the ${site.crm?.type} CRM: import into that CRM directly`);
  const files = positionals.map((name) => ({ name, text: readFileSync(name, 'utf8') }));
  const store = await openStore(config.dataDir);
  try {
    const report = await importRecords(store, site.id, site.phoneCountry, files);
    if (report.problems.length > 0) {
      for (const p of report.problems) io.err(p);
      throw new Error(`${report.problems.length} problem(s); nothing was imported`);
    }
    const c = report.customers;
    const t = report.tickets;
    io.out(
      `site ${site.id} (${store.file}): customers ${c.added} added, ${c.updated} updated, ${c.unchanged} unchanged; tickets ${t.added} added, ${t.updated} updated, ${t.unchanged} unchanged`,
    );
  } finally {
    await store.close();
  }
}
