import { failure, type ToolOutcome } from '../tool.js';
import { confirmationBinding } from '../write.js';
import type { StaffContext } from './staff-tool.js';

/**
 * A staff write runs only after the operator has agreed (docs/staff-mcp.md). `/mcp` is stateless
 * JSON, so the server cannot put an elicitation request to the client in the middle of a call:
 * instead the first call answers `confirmation_required` with a summary and a signed single-use
 * value bound to this operator, customer, tool and exact change; the client asks its user and calls
 * again with it. The tools also carry `destructiveHint`/`readOnlyHint`, so clients ask before each call.
 */
export async function staffConfirmed(
  ctx: StaffContext,
  plan: { tool: string; customer: string; change: Record<string, unknown>; summary: string },
  confirmation: string | undefined,
  perform: () => Promise<ToolOutcome>,
): Promise<ToolOutcome> {
  const binding = confirmationBinding(ctx.caller, plan);
  if (confirmation === undefined) {
    const issued = ctx.confirmations.issue(binding);
    return failure(
      'confirmation_required',
      `${plan.summary} Ask the operator; if they agree, call ${plan.tool} again with the same arguments and "confirmation": "${issued.state}".`,
      { confirmation: { state: issued.state, summary: plan.summary, expires_at: issued.expiresAt } },
    );
  }
  if (!(await ctx.confirmations.redeem(confirmation, binding))) return failure('confirmation_invalid');
  return perform();
}
