import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkedSignal, StepSignals } from '../../../server/agent/linked-signal.js';

describe('linked signals (the turn and model-step signals)', () => {
  it('aborts with the reason of whichever source aborts', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkedSignal([a.signal, b.signal]);
    b.abort('drain');
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('drain');
    expect(linked.timedOut()).toBe(false);
  });

  it('starts aborted when a source already is', () => {
    const a = new AbortController();
    a.abort('gone');
    const linked = linkedSignal([a.signal], 1000);
    expect(linked.signal.reason).toBe('gone');
  });

  it('times out, and says so', async () => {
    const a = new AbortController();
    const linked = linkedSignal([a.signal], 10);
    await new Promise((r) => setTimeout(r, 40));
    expect(linked.signal.aborted).toBe(true);
    expect(linked.timedOut()).toBe(true);
    expect((linked.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('once disposed, follows nothing and never times out', async () => {
    const a = new AbortController();
    const linked = linkedSignal([a.signal], 10);
    linked.dispose();
    a.abort();
    await new Promise((r) => setTimeout(r, 40));
    expect(linked.signal.aborted).toBe(false);
  });

  it('puts one listener on a source however many signals follow it', () => {
    const drain = new AbortController();
    const links = Array.from({ length: 50 }, () => linkedSignal([drain.signal]));
    expect(getEventListeners(drain.signal, 'abort')).toHaveLength(1);
    for (const l of links.slice(0, 25)) l.dispose();
    drain.abort('stop');
    expect(links.filter((l) => l.signal.aborted)).toHaveLength(25);
  });

  it('aborts at once when told to, like a source would', () => {
    const a = new AbortController();
    const linked = linkedSignal([a.signal], 1000);
    linked.abort();
    expect(linked.signal.aborted).toBe(true);
    expect((linked.signal.reason as DOMException).name).toBe('AbortError');
    expect(a.signal.aborted).toBe(false);
  });
});

describe("a turn's step signals", () => {
  it('serve consecutive steps with one signal, each step with its own timeout', async () => {
    const turn = new AbortController();
    const steps = new StepSignals(turn.signal);
    const first = steps.next(30);
    first.dispose();
    // The first step's timeout no longer runs once it is over.
    await new Promise((r) => setTimeout(r, 60));
    const second = steps.next(30);
    expect(second.signal).toBe(first.signal);
    expect(second.signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(second.signal.aborted).toBe(true);
    expect(second.timedOut()).toBe(true);
    expect((second.signal.reason as DOMException).name).toBe('TimeoutError');
    // After a timeout the next step (a retry) gets a fresh, unaborted signal.
    const third = steps.next(1000);
    expect(third.signal).not.toBe(second.signal);
    expect(third.signal.aborted).toBe(false);
    expect(third.timedOut()).toBe(false);
    steps.dispose();
  });

  it("abort with the turn's signal, and start aborted after it", () => {
    const turn = new AbortController();
    const steps = new StepSignals(turn.signal);
    const step = steps.next(1000);
    turn.abort('silenced');
    expect(step.signal.reason).toBe('silenced');
    expect(step.timedOut()).toBe(false);
    expect(steps.next(1000).signal.reason).toBe('silenced');
    steps.dispose();
  });

  it('once the turn is over, follow nothing', () => {
    const turn = new AbortController();
    const steps = new StepSignals(turn.signal);
    const step = steps.next(1000);
    steps.dispose();
    turn.abort();
    expect(step.signal.aborted).toBe(false);
  });
});
