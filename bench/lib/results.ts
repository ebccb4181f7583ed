import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, type Machine } from './machine.js';
import { round, type Summary, summarize } from './stats.js';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(BENCH_DIR, '..');
export const RESULTS_FILE = path.join(BENCH_DIR, 'results.json');

/** A docs/architecture.md §7 budget, checked against the median. */
export interface Budget {
  text: string;
  op: '<=' | '>=';
  limit: number;
}

/** One measured figure beside its budget and the baseline measured in the same run. */
export interface Figure {
  id: string;
  what: string;
  unit: string;
  value: Summary;
  budget?: Budget;
  baseline?: { what: string; unit: string; value: Summary };
  /** figure ÷ baseline (medians), with the budget on that ratio when docs/architecture.md §7 sets one. */
  ratio?: { value: number; budget?: Budget };
  verdict: 'meets' | 'misses' | 'no budget';
}

export interface BenchResult {
  id: string;
  title: string;
  ranAt: string;
  seconds: number;
  machine: Machine;
  commit: string;
  figures: Figure[];
  /** How it was measured, in a sentence or two each. */
  method: string[];
}

export interface ResultsFile {
  generatedAt: string;
  machine: Machine;
  commit: string;
  benchmarks: Record<string, BenchResult>;
}

const ORDER = ['turns', 'mcp', 'idle', 'widget', 'cold-start'];

function passes(value: number, budget: Budget): boolean {
  return budget.op === '<=' ? value <= budget.limit : value >= budget.limit;
}

/** Builds a figure from per-run values, computing the ratio and the verdict. */
export function figure(input: {
  id: string;
  what: string;
  unit: string;
  runs: readonly number[];
  budget?: Budget;
  baseline?: { what: string; unit: string; runs: readonly number[] };
  ratioBudget?: Budget;
}): Figure {
  const value = roundSummary(summarize(input.runs));
  const out: Figure = { id: input.id, what: input.what, unit: input.unit, value, verdict: 'no budget' };
  if (input.budget) out.budget = input.budget;
  if (input.baseline) {
    const base = roundSummary(summarize(input.baseline.runs));
    out.baseline = { what: input.baseline.what, unit: input.baseline.unit, value: base };
    out.ratio = { value: round(value.median / base.median) };
    if (input.ratioBudget) out.ratio.budget = input.ratioBudget;
  }
  const checks: boolean[] = [];
  if (out.budget) checks.push(passes(value.median, out.budget));
  if (out.ratio?.budget) checks.push(passes(out.ratio.value, out.ratio.budget));
  if (checks.length > 0) out.verdict = checks.every(Boolean) ? 'meets' : 'misses';
  return out;
}

function roundSummary(s: Summary): Summary {
  return { min: round(s.min), median: round(s.median), max: round(s.max), runs: s.runs };
}

/** The commit measured (BENCH_COMMIT when the tree measured is an exported snapshot without .git). */
export function currentCommit(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function newResult(
  id: string,
  title: string,
  startedAt: number,
): Omit<BenchResult, 'figures' | 'method'> {
  return {
    id,
    title,
    ranAt: new Date().toISOString(),
    seconds: Math.round((performance.now() - startedAt) / 100) / 10,
    machine: describeMachine(),
    commit: currentCommit(),
  };
}

export function readResults(): ResultsFile | null {
  if (!existsSync(RESULTS_FILE)) return null;
  return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ResultsFile;
}

/** Merges fresh results into bench/results.json (a benchmark run alone replaces only its own entry). */
export function saveResults(fresh: readonly BenchResult[]): ResultsFile {
  const previous = readResults();
  const benchmarks: Record<string, BenchResult> = { ...(previous?.benchmarks ?? {}) };
  for (const r of fresh) benchmarks[r.id] = r;
  const ordered: Record<string, BenchResult> = {};
  for (const id of [...ORDER, ...Object.keys(benchmarks)]) {
    const r = benchmarks[id];
    if (r && !ordered[id]) ordered[id] = r;
  }
  const file: ResultsFile = {
    generatedAt: new Date().toISOString(),
    machine: describeMachine(),
    commit: currentCommit(),
    benchmarks: ordered,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(file, null, 2)}\n`);
  return file;
}
