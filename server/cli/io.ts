import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Where a command reads its environment and writes its output (the process, or a test). */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  /** Standard output: only the command's result (a token, audit lines), so it can be piped. */
  out(line: string): void;
  /** Standard error: progress, the settings in use, and failures. */
  err(line: string): void;
}

/** One `npm run deputy -- <name>` command, in a module of its own. */
export interface CliCommand {
  name: string;
  /** Its lines of the usage text, already indented like the others. */
  usage: string;
  run(argv: string[], io: CliIo): Promise<void>;
}

/** A usage mistake: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

/** Parses a command's options strictly, turning node's parse errors into usage mistakes. */
export function options<const T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], spec: T) {
  try {
    return parseArgs({ args: argv, options: spec, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** `5m`, `90s`, `1h`, `300` → seconds. */
export function parseTtl(text: string): number {
  const m = /^(\d{1,6})([smh]?)$/.exec(text.trim());
  if (!m?.[1]) throw new UsageError(`--ttl must look like 90s, 5m or 1h, got "${text}"`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}
