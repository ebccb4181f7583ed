/** Scope names (docs/architecture.md §3). Ownership is always enforced unless `crm.any`. */
export const SCOPES = [
  'crm.read',
  'crm.contact.update.self',
  'crm.ticket.create',
  'crm.write',
  'crm.any',
] as const;

export type Scope = (typeof SCOPES)[number];

/** Every scope a visitor can ever hold (all but `crm.any`). */
export const VISITOR_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== 'crm.any');

const known = new Set<string>(SCOPES);

/**
 * Parses a space-separated `scope` claim. Unknown names (`admin`, `*`) are dropped, duplicates
 * collapse, and `crm.any` is removed unless the caller is allowed to grant it (never for visitors).
 */
export function parseScopes(claim: unknown, opts: { allowStaff?: boolean } = {}): Scope[] {
  if (typeof claim !== 'string') return [];
  const out = new Set<Scope>();
  for (const part of claim.split(/\s+/)) {
    if (!known.has(part)) continue;
    if (part === 'crm.any' && !opts.allowStaff) continue;
    out.add(part as Scope);
  }
  return SCOPES.filter((s) => out.has(s));
}

/** Whether `scopes` grants `needed` (`crm.write` covers every write scope). */
export function hasScope(scopes: readonly Scope[], needed: Scope): boolean {
  if (scopes.includes(needed)) return true;
  if (needed === 'crm.contact.update.self' || needed === 'crm.ticket.create') {
    return scopes.includes('crm.write');
  }
  return false;
}
