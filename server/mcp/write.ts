import { CONFIRMATION_META_KEY, type ConfirmationBinding } from './confirmation.js';
import { failure, type ToolContext, type ToolOutcome } from './tool.js';

export interface PlannedWrite {
  tool: string;
  /** The customer the write acts on. */
  customer: string;
  /** The normalised change, exactly what will be written; the confirmation is bound to its hash. */
  change: Record<string, unknown>;
  /** What the visitor is asked, e.g. "Change your phone from •••• 0132 to +44 20 7946 0958?". */
  summary: string;
}

/** What a confirmation is bound to: this caller, customer, tool and exact change. */
export function confirmationBinding(
  caller: Pick<ToolContext['caller'], 'sub' | 'site'>,
  plan: Pick<PlannedWrite, 'tool' | 'customer' | 'change'>,
): ConfirmationBinding {
  return {
    sub: caller.sub,
    site: caller.site,
    customer: plan.customer,
    tool: plan.tool,
    change: plan.change,
  };
}

/**
 * Runs a write only with the visitor's confirmation (docs/architecture.md §4). Without state in `_meta`, answers
 * `confirmation_required` with a signed single-use state and writes nothing; with a state that matches
 * this caller, customer, tool and change, consumes it and performs the write once. A cancelled
 * request stops before the state is consumed (the visitor may confirm again); once consumed, the write
 * runs whole whatever the client cancels, so it never half-happens (its answer is then dropped).
 */
export async function confirmedWrite(
  ctx: ToolContext,
  plan: PlannedWrite,
  perform: () => Promise<ToolOutcome>,
): Promise<ToolOutcome> {
  const binding = confirmationBinding(ctx.caller, plan);
  const state = ctx.meta?.[CONFIRMATION_META_KEY];
  if (state === undefined) {
    const issued = ctx.confirmations.issue(binding);
    return failure('confirmation_required', plan.summary, {
      confirmation: { state: issued.state, summary: plan.summary, expires_at: issued.expiresAt },
    });
  }
  if (ctx.signal.aborted) return failure('cancelled');
  ctx.shield();
  if (!(await ctx.confirmations.redeem(state, binding))) return failure('confirmation_invalid');
  return perform();
}

/** Quotes model- or customer-typed text inside a summary, bounded so a card stays readable. */
export function quote(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return `“${oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine}”`;
}
