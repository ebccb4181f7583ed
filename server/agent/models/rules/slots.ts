import { type CountryCode, findPhoneNumbersInText } from 'libphonenumber-js';
import { asciiDigits } from './fold.js';

/** "ticket", "case" and "number" in the widget's languages, before a ticket's digits. */
const TICKET_WORD =
  '(?:ticket|case|request|caso|incidencia|solicitud|fall|anfrage|dossier|demande|tickets?|تذكره|تذكرة|التذكرة|التذكره|طلب)';
const NUMBER_WORD = '(?:no\\.?|number|nr\\.?|n°|n[oº]\\.?|num(?:ero|éro)?\\.?|número|nummer|رقم|#)';
const TICKET_ID = /(?<![A-Za-z0-9])T-?(\d{1,10})(?!\d)/i;
const TICKET_BY_WORD = new RegExp(`(?:#|${TICKET_WORD}\\s*${NUMBER_WORD}?\\s*)(\\d{3,10})(?!\\d)`, 'i');

/**
 * `T-1001`, `#1001`, `ticket 1001`, `case no. 1001`, `caso 1001`, `التذكرة ١٠٠١` → `T-1001` (the
 * MCP pattern is `^T-\d{1,10}$`). The one place that reads a ticket id from visitor text, so a
 * per-site id format changes here only. The id may sit inside right-to-left text.
 */
export function findTicketId(text: string): string | null {
  const t = asciiDigits(text);
  const m = TICKET_ID.exec(t) ?? TICKET_BY_WORD.exec(t);
  return m?.[1] ? `T-${m[1]}` : null;
}

/** A bare number answering "which ticket?" (`1001`) is a ticket id too. */
export function ticketIdAnswer(text: string): string | null {
  const bare = /^\s*(\d{3,10})\s*\.?\s*$/.exec(asciiDigits(text))?.[1];
  return findTicketId(text) ?? (bare ? `T-${bare}` : null);
}

/**
 * The first valid phone number in the text, in E.164. Numbers typed without a country code are read
 * in `country`. Only libphonenumber-js decides validity (F3: possible-but-invalid is not a number).
 */
export function findPhone(text: string, country: string): string | null {
  const found = findPhoneNumbersInText(asciiDigits(text), { defaultCountry: country as CountryCode });
  return found[0]?.number.number ?? null;
}

/** Whether the text holds something that looks like an attempt at a phone number (7+ digits). */
export function looksLikePhone(text: string): boolean {
  return /(?:\+|\b)\d[\d\s().-]{5,}\d/.test(asciiDigits(text));
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

export function findEmail(text: string): string | null {
  return EMAIL.exec(text)?.[0] ?? null;
}

/** Free text given as a slot value: trimmed, one line of whitespace, bounded. */
export function freeText(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** "open a ticket about my broken mug" → "my broken mug" (a subject given with the request). */
export function subjectInRequest(text: string): string | null {
  const m = /\b(?:about|regarding|re:|concerning)\s+(.{4,})$/i.exec(text) ?? /:\s*(.{4,})$/.exec(text);
  const subject = m?.[1]?.replace(/[.!?]+$/, '').trim();
  return subject && subject.split(/\s+/).length >= 2 ? subject : null;
}

/** "only the open ones" → `open`: a status filter for listing tickets. */
export function statusFilter(text: string): 'open' | 'pending' | 'solved' | 'closed' | null {
  const m = /\b(open|pending|solved|resolved|closed)\b/i.exec(text);
  if (!m?.[1]) return null;
  const s = m[1].toLowerCase();
  return s === 'resolved' ? 'solved' : (s as 'open' | 'pending' | 'solved' | 'closed');
}
