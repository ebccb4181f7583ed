import { seedDemo } from '../store/seed.js';
import { cliContext } from './context.js';
import type { CliCommand } from './io.js';

/** `seed`: re-creates the demo CRM in the server's database. */
export const seed: CliCommand = {
  name: 'seed',
  usage:
    '  seed                                  re-create the demo CRM (customers cus_alice, cus_bob and their tickets)',
  async run(_argv, io) {
    const ctx = await cliContext(io);
    const store = await ctx.store();
    try {
      await seedDemo(store);
    } finally {
      await ctx.close();
    }
    io.out(`seeded the demo CRM in ${store.location}`);
  },
};
