import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Figure, type ResultsFile, ROOT } from './results.js';
import type { Summary } from './stats.js';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';
const VERDICT = { meets: '✅ meets', misses: '❌ misses', 'no budget': '—' } as const;

function num(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : String(n);
}

function summary(s: Summary, unit: string): string {
  if (s.runs <= 1) return `${num(s.median)} ${unit}`;
  return `**${num(s.median)}** ${unit} (${num(s.min)}–${num(s.max)})`;
}

function budgetText(f: Figure): string {
  const parts = [f.budget?.text, f.ratio?.budget ? `ratio ${f.ratio.budget.text}` : undefined];
  return parts.filter(Boolean).join('; ') || '—';
}

/** The README table: every figure beside its budget, its in-run baseline and the ratio. */
export function renderMarkdown(results: ResultsFile): string {
  const m = results.machine;
  const dates = Object.values(results.benchmarks).map((b) => b.ranAt.slice(0, 10));
  const lines = [
    `Measured ${[...new Set(dates)].sort().join(', ')} on ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ` +
      `Node ${m.node}, ${m.platform}; commit ${results.commit}. Median over repeated runs (min–max in ` +
      'brackets). Servers under test run in their own child process; load comes from the parent over ' +
      'loopback. Regenerate with `npm run bench` (or one benchmark: `tsx bench/<name>.ts`).',
    '',
    '| what | measured | budget (docs/architecture.md §7) | baseline, same run | ratio | verdict |',
    '|---|---|---|---|---|---|',
  ];
  for (const bench of Object.values(results.benchmarks)) {
    for (const f of bench.figures) {
      const base = f.baseline ? `${f.baseline.what}: ${summary(f.baseline.value, f.baseline.unit)}` : '—';
      const ratio = f.ratio ? `${f.ratio.value}×` : '—';
      lines.push(
        `| ${f.what} | ${summary(f.value, f.unit)} | ${budgetText(f)} | ${base} | ${ratio} | ${VERDICT[f.verdict]} |`,
      );
    }
  }
  lines.push('', 'How each was measured:', '');
  for (const bench of Object.values(results.benchmarks)) {
    lines.push(
      `- **${bench.title}** (${bench.seconds} s, ${bench.ranAt.slice(0, 16)}Z, load average ${bench.machine.load1} at start): ${bench.method.join(' ')}`,
    );
  }
  lines.push(
    '',
    'Causes of every miss, with the profiles behind them: [bench/FINDINGS.md](bench/FINDINGS.md).',
  );
  return lines.join('\n');
}

/** Rewrites only the part of README.md between the bench markers. */
export function updateReadme(results: ResultsFile, file = path.join(ROOT, 'README.md')): boolean {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) return false;
  const next = `${text.slice(0, start + START.length)}\n${renderMarkdown(results)}\n${text.slice(end)}`;
  if (next !== text) writeFileSync(file, next);
  return true;
}

/** A plain-text version of one benchmark's figures for the console. */
export function printFigures(title: string, figures: readonly Figure[]): void {
  console.log(`\n== ${title}`);
  for (const f of figures) {
    const v = f.value;
    let line = `  ${f.what}: median ${num(v.median)} ${f.unit} (min ${num(v.min)}, max ${num(v.max)}, ${v.runs} runs)`;
    if (f.baseline)
      line += ` | baseline ${f.baseline.what}: ${num(f.baseline.value.median)} ${f.baseline.unit}`;
    if (f.ratio) line += ` | ratio ${f.ratio.value}`;
    if (f.verdict !== 'no budget') line += ` | ${budgetText(f)}: ${f.verdict.toUpperCase()}`;
    console.log(line);
  }
}
