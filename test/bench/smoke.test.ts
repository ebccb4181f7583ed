import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../bench/lib/report.js';
import { figure, type ResultsFile } from '../../bench/lib/results.js';
import { summarize } from '../../bench/lib/stats.js';
import { benchMcp } from '../../bench/mcp.js';
import { benchTurns } from '../../bench/turns.js';

// Each benchmark module runs end to end with tiny counts (real servers in child processes, real
// sockets); no timing is asserted, only that every figure was measured and every call succeeded.
describe('benchmarks run with tiny counts', () => {
  it('summarises runs as min, median and max', () => {
    expect(summarize([3, 1, 2, 10])).toEqual({ min: 1, median: 2.5, max: 10, runs: 4 });
  });

  it('marks a figure that misses its budget and puts it in the README table', () => {
    const f = figure({
      id: 'x',
      what: 'turns',
      unit: 'turns/s',
      runs: [10, 12, 11],
      budget: { text: '≥ 2,000 turns/s', op: '>=', limit: 2000 },
      baseline: { what: 'echo', unit: 'msgs/s', runs: [100, 100, 100] },
    });
    expect(f.verdict).toBe('misses');
    expect(f.ratio?.value).toBe(0.11);
    const results = {
      generatedAt: '',
      commit: 'abc',
      machine: { cores: 2, cpu: 'cpu', memoryGiB: 1, node: 'v20', platform: 'linux', load1: 0 },
      benchmarks: {
        t: {
          id: 't',
          title: 'T',
          ranAt: '2026-01-01T00:00:00Z',
          seconds: 1,
          commit: 'abc',
          machine: { cores: 2, cpu: 'cpu', memoryGiB: 1, node: 'v20', platform: 'linux', load1: 0 },
          figures: [f],
          method: ['m'],
        },
      },
    } satisfies ResultsFile;
    expect(renderMarkdown(results)).toContain(
      '| turns | **11** turns/s (10–12) | ≥ 2,000 turns/s | echo: **100** msgs/s (100–100) | 0.11× | ❌ misses |',
    );
  });

  it('measures visitor turns through the real MCP path', async () => {
    const r = await benchTurns(true);
    expect(r.figures.find((f) => f.id === 'turns.10.rate')?.value.median).toBeGreaterThan(0);
  }, 120_000);

  it('measures MCP calls against the SDK reference server', async () => {
    const r = await benchMcp(true);
    expect(r.figures.find((f) => f.id === 'mcp.c50.rate')?.baseline?.value.median).toBeGreaterThan(0);
  }, 120_000);
});
