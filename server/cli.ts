import { parseArgs } from 'node:util';
import { configFromEnv } from './config.js';
import { openStore } from './store/db.js';
import { seedDemo } from './store/seed.js';

const USAGE = `usage: npm run deputy -- <command>

commands:
  seed      re-create the demo CRM (customers cus_alice, cus_bob and their tickets)
`;

type Command = (argv: string[]) => Promise<void>;

/** `npm run deputy -- seed`: re-creates the demo CRM in DEPUTY_DATA_DIR. */
const seed: Command = async () => {
  const config = configFromEnv();
  const store = await openStore(config.dataDir);
  await seedDemo(store);
  await store.close();
  console.log(`seeded the demo CRM in ${store.file}`);
};

export const COMMANDS: Record<string, Command> = { seed };

async function main(): Promise<void> {
  const { positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, strict: false });
  const [name] = positionals;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(USAGE);
    process.exit(name ? 2 : 0);
  }
  await command(process.argv.slice(3));
}

main().catch((err: unknown) => {
  console.error(`[deputy] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
