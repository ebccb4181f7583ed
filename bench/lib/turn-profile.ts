import type { ProbeReport } from './probe.js';
import { quantile } from './stats.js';

/** The load generator's side of one paced turn: epoch ms (bench/lib/probe.ts `epochMs`). */
export interface SentTurn {
  clientId: string;
  /** When the pace said to ask. */
  scheduled: number;
  /** When the frame was handed to the socket (late when the generator's timer was). */
  sent: number;
  /** When the turn's last frame (the stored reply) arrived. */
  done: number;
}

/** Consecutive stretches of a turn, from the generator's schedule to its receiving the reply. */
const SEGMENTS = [
  ['generator timer late', 'scheduled', 'sent'],
  ['to the server (socket, server loop)', 'sent', 'received'],
  ['visitor message stored (group commit)', 'received', 'stored'],
  ['queued for its turn', 'stored', 'started'],
  ['owner, context, guard', 'started', 'agent'],
  ['model step 1', 'agent', 'tool'],
  ['tool call (MCP, audit commit)', 'tool', 'toolDone'],
  ['model step 2', 'toolDone', 'replied'],
  ['reply stored', 'replied', 'done'],
  ['to the generator (flush, socket, its loop)', 'done', 'end'],
] as const;

export interface TurnProfile {
  turns: number;
  /** Per segment: median over all turns, and mean over the slowest 1 % (at or above the p99). */
  rows: { what: string; medianMs: number; slowMeanMs: number }[];
  p99Ms: number;
  /** The generator's timer lateness (sent − scheduled), p99 over all turns, ms. */
  generatorLateP99Ms: number;
}

/**
 * Joins the generator's times with the server's phase marks by client id, and says where the
 * time of a typical turn and of the slowest 1 % goes. Clocks: both processes' epoch milliseconds
 * (`performance.timeOrigin + now()`), on one machine.
 */
export function turnProfile(sent: readonly SentTurn[], probe: ProbeReport): TurnProfile | null {
  const byClient = new Map(probe.turns.map((t) => [t.clientId, t.at]));
  const joined: Record<string, number>[] = [];
  for (const s of sent) {
    const at = byClient.get(s.clientId);
    if (!at) continue;
    const row: Record<string, number> = { scheduled: s.scheduled, sent: s.sent, end: s.done };
    for (const [k, v] of Object.entries(at)) if (v !== undefined) row[k] = v;
    if (SEGMENTS.every(([, from, to]) => row[from] !== undefined && row[to] !== undefined)) joined.push(row);
  }
  if (joined.length === 0) return null;
  const total = (r: Record<string, number>) => (r.end ?? 0) - (r.scheduled ?? 0);
  const p99 = quantile(joined.map(total), 0.99);
  const slow = joined.filter((r) => total(r) >= p99);
  const seg = (r: Record<string, number>, from: string, to: string) => (r[to] ?? 0) - (r[from] ?? 0);
  return {
    turns: joined.length,
    p99Ms: p99,
    generatorLateP99Ms: quantile(
      joined.map((r) => seg(r, 'scheduled', 'sent')),
      0.99,
    ),
    rows: SEGMENTS.map(([what, from, to]) => ({
      what,
      medianMs: quantile(
        joined.map((r) => seg(r, from, to)),
        0.5,
      ),
      slowMeanMs: slow.reduce((n, r) => n + seg(r, from, to), 0) / slow.length,
    })),
  };
}

/** The profile and the probe as console lines. */
export function describeProfile(profile: TurnProfile | null, probe: ProbeReport): string[] {
  const f = (n: number) => n.toFixed(2).padStart(7);
  const lines = [
    `  server during the steady run: event-loop delay p50 ${probe.eventLoop.p50.toFixed(2)} / p99 ${probe.eventLoop.p99.toFixed(2)} / max ${probe.eventLoop.max.toFixed(1)} ms; ` +
      `GC ${probe.gc.count} pauses, ${probe.gc.totalMs.toFixed(0)} ms in ${probe.seconds.toFixed(1)} s (max ${probe.gc.maxMs.toFixed(1)} ms; ${probe.gc.majorCount} major, ${probe.gc.majorMs.toFixed(0)} ms)`,
  ];
  const st = probe.stalls;
  if (st)
    lines.push(
      `  loop held ≥ 5 ms: ${st.count} times, ${st.totalMs.toFixed(0)} ms (GC ${st.gcMs.toFixed(0)}, group commits ${st.commitMs.toFixed(0)}, the process on CPU ${st.cpuMs.toFixed(0)}); longest ${st.longest.map((x) => x.toFixed(1)).join(', ')} ms`,
    );
  for (const [what, c] of Object.entries(probe.commits))
    lines.push(
      `  group commits of ${what}: ${c.count}, ${c.meanRows.toFixed(1)} rows each (max ${c.maxRows}), p99 ${c.p99Ms.toFixed(2)} ms, max ${c.maxMs.toFixed(1)} ms`,
    );
  if (!profile) return lines;
  lines.push(
    `  where a turn's time goes (${profile.turns} turns; p99 ${profile.p99Ms.toFixed(1)} ms; generator timer lateness p99 ${profile.generatorLateP99Ms.toFixed(1)} ms):`,
    `  ${'median'.padStart(7)} ${'slow 1%'.padStart(7)}  ms`,
  );
  for (const r of profile.rows) lines.push(`  ${f(r.medianMs)} ${f(r.slowMeanMs)}  ${r.what}`);
  return lines;
}
