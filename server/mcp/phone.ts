import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

export type PhoneResult = { ok: true; e164: string; international: string } | { ok: false };

/**
 * Validates and normalises a phone number to E.164 (docs/architecture.md §4). The whole text must be a number
 * (`extract: false`), so "+1 555 0100; DROP TABLE" is refused rather than mined for digits (F1);
 * full-width and Arabic-Indic digits are read as digits (F2); possible-but-invalid numbers are
 * refused (F3). Never stored raw.
 */
export function normalizePhone(input: string, defaultCountry: CountryCode): PhoneResult {
  const parsed = parsePhoneNumberFromString(input, { defaultCountry, extract: false });
  if (!parsed?.isValid()) return { ok: false };
  return { ok: true, e164: parsed.number, international: parsed.formatInternational() };
}

/** How a number on file is shown in a confirmation: only its last four digits. */
export function lastFour(phone: string): string {
  return `•••• ${phone.replace(/\D/g, '').slice(-4)}`;
}
