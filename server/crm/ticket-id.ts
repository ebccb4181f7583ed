import type { CrmType } from './config.js';

/**
 * Ticket ids as customers know them, per CRM (docs/architecture.md §11): one fact, in one module, that
 * the tool schemas, the adapters and the rules model all use. Anything else is refused before a query.
 */
export const EMBEDDED_TICKET_ID = /^T-\d{1,10}$/;
/** HubSpot ticket ids, Salesforce CaseNumbers (zero-padded) and Zendesk ticket ids are all digits. */
export const NUMERIC_TICKET_ID = /^\d{1,20}$/;

/** The ticket-id pattern of one CRM type. */
export function ticketIdPattern(type: CrmType): RegExp {
  return type === 'embedded' ? EMBEDDED_TICKET_ID : NUMERIC_TICKET_ID;
}

/** What every tool schema accepts: the union of the formats, so one schema serves every site. */
export const ANY_TICKET_ID = /^(?:T-\d{1,10}|\d{1,20})$/;

/** A short example of the site's format for hints ("T-3001" or "48213"). */
export function ticketIdExample(type: CrmType): string {
  return type === 'embedded' ? 'T-3001' : '48213';
}

/**
 * A ticket id as typed, in the site's own format: "T-5001" on a numeric CRM is 5001, and "5001" on the
 * embedded CRM is T-5001 (the rules model and visitors may write either). Null when neither fits.
 */
export function siteTicketId(type: CrmType, raw: string): string | null {
  const digits = /^(?:T-)?(\d{1,20})$/i.exec(raw.trim())?.[1];
  if (!digits) return null;
  if (type !== 'embedded') return digits;
  return digits.length <= 10 ? `T-${digits}` : null;
}
