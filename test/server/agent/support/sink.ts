import type { ConfirmOutcome, TurnSink } from '../../../../server/agent/loop.js';

/** A sink that records what the widget would see and answers confirm cards by a policy. */
export class RecordingSink implements TurnSink {
  readonly deltas: string[] = [];
  readonly tools: { callId: string; name: string; label: string; status: string }[] = [];
  readonly cards: { tool: string; summary: string; expiresAt: string }[] = [];

  constructor(
    private readonly answer: ConfirmOutcome | ((card: { summary: string }) => ConfirmOutcome) = 'accepted',
  ) {}

  delta(text: string): void {
    this.deltas.push(text);
  }

  tool(callId: string, name: string, label: string, status: 'running' | 'done' | 'error'): void {
    this.tools.push({ callId, name, label, status });
  }

  async confirm(card: { tool: string; summary: string; expiresAt: string }): Promise<ConfirmOutcome> {
    this.cards.push(card);
    return typeof this.answer === 'function' ? this.answer(card) : this.answer;
  }

  get text(): string {
    return this.deltas.join('');
  }
}
