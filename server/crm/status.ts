import type { CommonStatus, TicketStatus } from './adapter.js';

/** The coarse status tools have always shown, for a common status. */
export function coarseStatus(state: CommonStatus): TicketStatus {
  switch (state) {
    case 'new':
    case 'in_progress':
      return 'open';
    case 'waiting_on_customer':
      return 'pending';
    case 'resolved':
      return 'solved';
    case 'closed':
      return 'closed';
  }
}

/** Which common statuses a coarse status filter (`list_my_tickets {status}`) covers. */
export function statesOf(status: TicketStatus): CommonStatus[] {
  switch (status) {
    case 'open':
      return ['new', 'in_progress'];
    case 'pending':
      return ['waiting_on_customer'];
    case 'solved':
      return ['resolved'];
    case 'closed':
      return ['closed'];
  }
}

/**
 * A CRM status mapped to the common set: the site's override first (by raw value, then label, case
 * insensitive), else the adapter's default, else `fallback`.
 */
export function mapStatus(
  raw: string,
  label: string,
  override: Record<string, CommonStatus> | undefined,
  defaults: Record<string, CommonStatus>,
  fallback: CommonStatus,
): CommonStatus {
  if (override) {
    const hit = override[raw] ?? override[label] ?? lookupCi(override, label);
    if (hit) return hit;
  }
  return defaults[raw] ?? lookupCi(defaults, raw) ?? lookupCi(defaults, label) ?? fallback;
}

function lookupCi(map: Record<string, CommonStatus>, key: string): CommonStatus | undefined {
  const k = key.toLowerCase();
  for (const [name, value] of Object.entries(map)) if (name.toLowerCase() === k) return value;
  return undefined;
}

/**
 * The common statuses a staff status change may write for a coarse status, best first. Reopening
 * means the team works on it again, so `open` prefers "in progress" to "new".
 */
const TARGETS: Record<TicketStatus, readonly CommonStatus[]> = {
  open: ['in_progress', 'new'],
  pending: ['waiting_on_customer'],
  solved: ['resolved'],
  closed: ['closed'],
};

/**
 * The CRM status a staff change to `status` writes (docs/staff-mcp.md): of the CRM's own statuses,
 * each mapped exactly as a ticket in it would read back, the first (in the CRM's order) with the best
 * common status. Undefined when none maps: the site's `statusMap` must name one.
 */
export function pickStatus<T extends { state: CommonStatus }>(
  options: readonly T[],
  status: TicketStatus,
): T | undefined {
  for (const state of TARGETS[status]) {
    const hit = options.find((o) => o.state === state);
    if (hit) return hit;
  }
  return undefined;
}
