// `npm run bench`: every benchmark in turn, then bench/results.json and the README table.
// Each also runs alone: `tsx bench/turns.ts` (add --quick for tiny counts that save nothing).
import { benchColdStart } from './cold-start.js';
import { benchConsoleDelivery } from './console-delivery.js';
import { benchCrm } from './crm.js';
import { benchIdle } from './idle.js';
import { quickMode } from './lib/main.js';
import { printFigures, updateReadme } from './lib/report.js';
import { type BenchResult, saveResults } from './lib/results.js';
import { benchMcp } from './mcp.js';
import { benchNodes } from './nodes.js';
import { benchStore } from './store.js';
import { benchTurns } from './turns.js';
import { benchWidget } from './widget.js';

const quick = quickMode();
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
// The widget first: it builds dist/widget, which `npm start` in the cold-start benchmark expects.
const all: [string, () => Promise<BenchResult>][] = [
  ['widget', () => benchWidget()],
  ['cold-start', () => benchColdStart(quick)],
  ['mcp', () => benchMcp(quick)],
  ['turns', () => benchTurns(quick)],
  ['idle', () => benchIdle(quick)],
  ['crm', () => benchCrm(quick)],
  ['console-delivery', () => benchConsoleDelivery(quick)],
  ['store', () => benchStore(quick)],
  ['nodes', () => benchNodes(quick)],
];
const results: BenchResult[] = [];
for (const [id, bench] of all) {
  if (only.length > 0 && !only.includes(id)) continue;
  const result = await bench();
  printFigures(result.title, result.figures);
  results.push(result);
  // Saved after each benchmark, so a later failure does not lose the figures already measured.
  if (!quick) updateReadme(saveResults([result]));
}
if (!quick) console.log(`\nwrote ${results.length} benchmarks to bench/results.json and the README table`);
