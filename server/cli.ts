import { pathToFileURL } from 'node:url';
import { SCOPES } from '../shared/scopes.js';
import { COMMANDS } from './cli/commands.js';
import { type CliIo, UsageError } from './cli/io.js';
import { DeputyError } from './errors.js';

export type { CliIo } from './cli/io.js';

const USAGE = `usage: npm run deputy -- <command>   (in production: node dist/server/cli.mjs <command>)

Every command reads the server's settings: deputy.config.json (or DEPUTY_CONFIG), DEPUTY_DATA_DIR (or DATABASE_URL),
HOST, PORT and DEPUTY_PUBLIC_URL, and says on stderr which it used.

commands:
${COMMANDS.map((c) => c.usage).join('\n')}

scopes: ${SCOPES.join(', ')}
`;

/**
 * Runs one CLI command and returns its exit code: 0, 2 for a usage mistake (with the usage text),
 * 1 for any other failure. `mcp` resolves once listening and keeps the process alive.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(USAGE);
    return name && name !== 'help' && name !== '--help' ? 2 : 0;
  }
  try {
    await command.run(rest, io);
    return 0;
  } catch (err) {
    const code = err instanceof DeputyError ? ` [${err.code}]` : '';
    io.err(`[deputy]${code} ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof UsageError) io.err(`\n${USAGE}`);
    return err instanceof UsageError ? 2 : 1;
  }
}

// Run only as the entry point (`npm run deputy`, dist/server/cli.mjs), so tests can import runCli.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  runCli(process.argv.slice(2), io).then((code) => {
    if (code !== 0) process.exitCode = code;
  });
}
