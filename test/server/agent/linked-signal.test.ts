import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkedSignal } from '../../../server/agent/linked-signal.js';

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
});
