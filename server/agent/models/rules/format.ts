import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { crmLiteral } from '../../crm-text.js';

// One formatter per locale for the process: toLocaleDateString builds a new Intl formatter on every
// call, which was 5 % of the CPU of a saturated visitor-turn benchmark.
const DATE_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** An ISO date as the locale writes it ("November 18, 2026", "18 de noviembre de 2026"), or null. */
export function localDate(iso: string, locale: string): string | null {
  // The same few dates (a ticket's, its comments') are written on every turn about it.
  const key = `${locale} ${iso}`;
  const known = WRITTEN.get(key);
  if (known !== undefined) return known;
  const text = formatDate(iso, locale);
  if (iso.length > 64) return text;
  if (WRITTEN.size >= 1000) WRITTEN.clear();
  WRITTEN.set(key, text);
  return text;
}

const WRITTEN = new Map<string, string | null>();

function formatDate(iso: string, locale: string): string | null {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  let f = DATE_FORMATS.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'en' ? 'en-US' : locale, {
      month: 'long',
      day: 'numeric',
      year: 'numeric',
      timeZone: 'UTC',
    });
    DATE_FORMATS.set(locale, f);
  }
  return f.format(t);
}

/**
 * `+442079460000` → `+44 20 7946 0000`, as people write it. The international form in every locale:
 * it is what the visitor dials from anywhere, and it reads left to right inside Arabic text too.
 */
export function phoneText(phone: string | null): string | null {
  if (!phone) return null;
  const parsed = parsePhoneNumberFromString(phone);
  // A value the CRM stored that is no phone number is still CRM text: literal, cut.
  return parsed ? parsed.formatInternational() : crmLiteral(phone, 40);
}
