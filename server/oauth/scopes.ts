import type { Scope } from '../../shared/scopes.js';
import type { Operator } from '../console/operators.js';

/**
 * What an operator's MCP client may hold, by role (docs/staff-mcp.md). Both roles read and write
 * any customer of their own site (`crm.any` lifts ownership, never the site): the console already
 * lets every operator read and answer every customer of the site.
 */
const BY_ROLE: Record<Operator['role'], readonly Scope[]> = {
  agent: ['crm.read', 'crm.write', 'crm.any'],
  admin: ['crm.read', 'crm.write', 'crm.any'],
};

export const STAFF_SCOPES: readonly Scope[] = ['crm.read', 'crm.write', 'crm.any'];

export function operatorScopes(role: Operator['role']): readonly Scope[] {
  return BY_ROLE[role];
}

/**
 * The scopes a request gets: those asked for that the role allows (all of the role's when none
 * were asked). Null when some were asked and none can be granted (invalid_scope).
 */
export function grantedScopes(requested: string | undefined, role: Operator['role']): Scope[] | null {
  const allowed = operatorScopes(role);
  if (requested === undefined || requested.trim() === '') return [...allowed];
  const asked = new Set(requested.split(/\s+/));
  const out = allowed.filter((s) => asked.has(s));
  return out.length ? out : null;
}
