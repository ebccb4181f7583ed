import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printFigures, updateReadme } from './report.js';
import { type BenchResult, saveResults } from './results.js';

/** True when the module at `metaUrl` is the script node was started with (`tsx bench/turns.ts`). */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && path.resolve(entry) === fileURLToPath(metaUrl);
}

/** `--quick` (or BENCH_QUICK=1) shrinks every count, for the smoke test; figures are then not saved. */
export function quickMode(): boolean {
  return process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
}

/** Runs one benchmark alone: prints it, merges it into bench/results.json and the README table. */
export async function runAlone(bench: (quick: boolean) => Promise<BenchResult>): Promise<void> {
  const quick = quickMode();
  const result = await bench(quick);
  printFigures(result.title, result.figures);
  if (quick) return;
  updateReadme(saveResults([result]));
  console.log('\nwrote bench/results.json and the README table');
}
