import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { configFromEnv } from '../config.js';
import { loadConfig } from '../sites/load.js';
import { openConfiguredStore, openStore, type Store } from '../store/db.js';
import { EMAIL, OperatorStore } from './operators.js';
import { passwordProblem } from './passwords.js';

/** Where the command reads and writes; `stdin` defaults to the process's (tests pass their own). */
export interface OperatorCliIo {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
  stdin?: NodeJS.ReadableStream;
}

/** A usage mistake (exit code 2); the dispatcher prints the usage text after it. */
export class OperatorUsageError extends Error {}

export const OPERATOR_USAGE = `  operator add --site SITE --email EMAIL --name NAME [--role admin]
                                        add a console operator; the password is read from stdin (one line)
  operator list [--site SITE]           list operators (never their passwords)
  operator remove --site SITE --email EMAIL
  operator reset-password --site SITE --email EMAIL
                                        set a new password (stdin) and sign the operator out everywhere`;

/** The first line of stdin, without its line ending: the password never appears in argv or history. */
async function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  const rl = createInterface({ input: stream, terminal: false });
  try {
    for await (const line of rl) return line.replace(/\r$/, '');
    return '';
  } finally {
    rl.close();
  }
}

async function password(io: OperatorCliIo): Promise<string> {
  const pw = await readLine(io.stdin ?? process.stdin);
  const problem = passwordProblem(pw);
  if (problem) throw new OperatorUsageError(`${problem} (read from stdin, one line)`);
  return pw;
}

/** `npm run deputy -- operator add|list|remove|reset-password …` (docs/console.md). */
export async function operatorCommand(argv: string[], io: OperatorCliIo): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new OperatorUsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const action = positionals[0];
  // With PostgreSQL the database holds the sites' secrets, so it opens first; SQLite opens below,
  // only once the arguments are known to be right.
  const env = configFromEnv(io.env);
  const shared = env.databaseUrl ? await openConfiguredStore(env) : undefined;
  try {
    await operatorAction(action, values, io, shared);
  } finally {
    await shared?.close();
  }
}

async function operatorAction(
  action: string | undefined,
  values: ReturnType<typeof parse>['values'],
  io: OperatorCliIo,
  shared: Store | undefined,
): Promise<void> {
  const config = await loadConfig(io.env, shared ? { secrets: shared.secrets } : {});
  if (values.site !== undefined && !config.sites.has(values.site))
    throw new OperatorUsageError(`--site must be one of: ${[...config.sites.keys()].join(', ')}`);
  const needSiteEmail = () => {
    if (!values.site) throw new OperatorUsageError('--site is required');
    if (!values.email || !EMAIL.test(values.email))
      throw new OperatorUsageError('--email is required and must be an email address');
    return { site: values.site, email: values.email };
  };
  if (action !== 'add' && action !== 'list' && action !== 'remove' && action !== 'reset-password')
    throw new OperatorUsageError('operator needs an action: add, list, remove or reset-password');
  const target = action === 'list' ? null : needSiteEmail();
  if (action === 'add') {
    if (!values.name || values.name.trim().length === 0 || values.name.length > 80)
      throw new OperatorUsageError('--name is required (the display name visitors see, at most 80)');
    if (values.role !== undefined && values.role !== 'admin' && values.role !== 'agent')
      throw new OperatorUsageError('--role is agent (default) or admin');
  }
  const pw = action === 'add' || action === 'reset-password' ? await password(io) : '';
  const store = shared ?? (await openStore(config.dataDir));
  try {
    const operators = new OperatorStore(store.db);
    if (action === 'list') {
      const rows = await operators.list(values.site);
      for (const o of rows) io.out([o.siteId, o.email, o.name, o.role].join('  '));
      io.err(`${rows.length} operator${rows.length === 1 ? '' : 's'}`);
      return;
    }
    if (!target) return;
    if (action === 'add') {
      if (await operators.find(target.site, target.email))
        throw new Error(`an operator ${target.email} already exists on site ${target.site}`);
      const op = await operators.add({
        siteId: target.site,
        email: target.email,
        name: values.name!.trim(),
        role: values.role === 'admin' ? 'admin' : 'agent',
        password: pw,
      });
      io.out(`added operator ${op.email} (${op.role}) on site ${op.siteId}`);
      return;
    }
    const done =
      action === 'remove'
        ? await operators.remove(target.site, target.email)
        : await operators.resetPassword(target.site, target.email, pw);
    if (!done) throw new Error(`no operator ${target.email} on site ${target.site}`);
    io.out(action === 'remove' ? `removed ${target.email}` : `new password set for ${target.email}`);
  } finally {
    if (!shared) await store.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      site: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
    },
  });
}
