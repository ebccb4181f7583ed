import { CrmUnavailableError } from '../../crm/errors.js';
import type { McpCaller } from '../auth.js';
import type { CrmServerDeps } from '../server.js';
import { failure, type ToolOutcome } from '../tool.js';
import type { StaffContext } from './staff-tool.js';

/** The context of a staff call, or the failure that stops it before any CRM work. */
export async function staffContext(
  caller: McpCaller,
  deps: CrmServerDeps,
): Promise<{ ok: true; ctx: StaffContext } | { ok: false; outcome: ToolOutcome }> {
  const site = caller.site ? deps.crms.get(caller.site) : undefined;
  const operator = deps.staff && caller.operator ? await deps.staff.operator(caller.sub) : null;
  // The verifier already checked the grant; an operator moved to another site since is refused.
  if (!deps.staff || !operator || operator.site !== caller.site)
    return { ok: false, outcome: failure('insufficient_scope') };
  if (!site) return { ok: false, outcome: failure('crm_unavailable') };
  return {
    ok: true,
    ctx: { caller, operator, crm: site.adapter, staff: deps.staff, confirmations: deps.confirmations },
  };
}

/** Runs CRM work, mapping a CRM outage and any throw onto coded outcomes (never a stack trace). */
export async function guarded(
  deps: CrmServerDeps,
  what: string,
  run: () => Promise<ToolOutcome>,
): Promise<ToolOutcome> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof CrmUnavailableError) return failure('crm_unavailable');
    deps.log?.error({ err, tool: what }, 'staff tool failed');
    return failure('internal');
  }
}

/** One audit row per staff call or read, the operator as subject (docs/security-model.md §7). */
export async function auditStaff(
  deps: CrmServerDeps,
  caller: McpCaller,
  tool: string,
  args: unknown,
  outcome: ToolOutcome,
  started: number,
): Promise<void> {
  // Confirmation values are never recorded (docs/security-model.md §7): only that one was given.
  const recorded =
    args && typeof args === 'object' && 'confirmation' in args ? { ...args, confirmation: '[given]' } : args;
  try {
    await deps.audit.record({
      caller,
      site: caller.site ?? deps.defaultSite,
      tool,
      args: recorded,
      outcome: outcome.ok
        ? 'ok'
        : outcome.code === 'confirmation_required'
          ? 'confirmation_required'
          : outcome.code === 'insufficient_scope' || outcome.code === 'unknown_tool'
            ? 'denied'
            : 'error',
      errorCode: outcome.ok ? null : outcome.code,
      latencyMs: performance.now() - started,
    });
  } catch (err) {
    deps.log?.error({ err, tool: tool.slice(0, 64) }, 'audit record failed');
  }
}
