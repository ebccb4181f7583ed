import { runCli } from '../../server/cli.js';

/** What one CLI command printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI command in this process (the same code `npm run deputy -- …` runs) with `env`. */
export async function runDeputy(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env,
    out: (line) => {
      stdout += `${line}\n`;
    },
    err: (line) => {
      stderr += `${line}\n`;
    },
  });
  return { code, stdout, stderr };
}
