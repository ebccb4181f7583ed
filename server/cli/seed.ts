import { openStore } from '../store/db.js';
import { seedDemo } from '../store/seed.js';
import { cliContext } from './context.js';
import type { CliCommand } from './io.js';

/** `seed`: re-creates the demo CRM in the server's database. */
export const seed: CliCommand = {
  name: 'seed',
  usage:
    '  seed                                  re-create the demo CRM (customers cus_alice, cus_bob and their tickets)',
  async run(_argv, io) {
    const { config } = await cliContext(io);
    const store = await openStore(config.dataDir);
    try {
      await seedDemo(store);
    } finally {
      await store.close();
    }
    io.out(`seeded the demo CRM in ${store.file}`);
  },
};
