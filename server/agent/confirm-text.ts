import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { baseLocale } from '../i18n/locale.js';

/**
 * The confirm card's summary in the visitor's language (issue #14). The MCP server writes it in
 * English; for the visitor's own writes the agent knows the tool and the exact arguments, so it
 * says the same thing in their locale (the masked old phone is taken from the server's summary).
 * Anything it cannot rebuild keeps the server's words.
 */
type Summaries = {
  phone(from: string | null, to: string): string;
  ticket(subject: string): string;
  comment(ticket: string, body: string): string;
};

const SUMMARIES: Record<'es' | 'de' | 'fr' | 'ar', Summaries> = {
  es: {
    phone: (from, to) =>
      from ? `¿Cambiar tu teléfono de ${from} a ${to}?` : `¿Guardar ${to} como tu teléfono?`,
    ticket: (subject) => `¿Abrir un ticket: ${subject}?`,
    comment: (ticket, body) => `¿Añadir este comentario al ticket ${ticket}: ${body}?`,
  },
  de: {
    phone: (from, to) =>
      from ? `Ihre Telefonnummer von ${from} auf ${to} ändern?` : `${to} als Ihre Telefonnummer speichern?`,
    ticket: (subject) => `Ein Ticket eröffnen: ${subject}?`,
    comment: (ticket, body) => `Diesen Kommentar zu Ticket ${ticket} hinzufügen: ${body}?`,
  },
  fr: {
    phone: (from, to) =>
      from ? `Remplacer votre numéro ${from} par ${to} ?` : `Enregistrer ${to} comme votre numéro ?`,
    ticket: (subject) => `Ouvrir un ticket : ${subject} ?`,
    comment: (ticket, body) => `Ajouter ce commentaire au ticket ${ticket} : ${body} ?`,
  },
  ar: {
    phone: (from, to) => (from ? `تغيير رقم هاتفك من ${from} إلى ${to}؟` : `حفظ ${to} رقمًا لهاتفك؟`),
    ticket: (subject) => `فتح تذكرة: ${subject}؟`,
    comment: (ticket, body) => `إضافة هذا التعليق إلى التذكرة ${ticket}: ${body}؟`,
  },
};

const quoted = (v: unknown, max = 80): string | null => {
  if (typeof v !== 'string' || !v.trim()) return null;
  const line = v.replace(/\s+/g, ' ').trim();
  return `“${line.length > max ? `${line.slice(0, max)}…` : line}”`;
};

/** The summary to show on the card, in the visitor's locale when it can be rebuilt. */
export function localSummary(
  tool: string,
  args: Record<string, unknown>,
  serverSummary: string,
  locale: string,
): string {
  const lang = baseLocale(locale);
  if (lang === 'en') return serverSummary;
  const s = SUMMARIES[lang];
  if (tool === 'update_phone_number' && typeof args.phone === 'string') {
    const to = parsePhoneNumberFromString(args.phone)?.formatInternational();
    // The server masks the old number ("•••• 0132"); it is what the visitor may see of it.
    const from = /\bfrom (\S{1,8} ?\d{2,4}) to\b/.exec(serverSummary)?.[1] ?? null;
    return to ? s.phone(from, to) : serverSummary;
  }
  if (tool === 'create_ticket' && !('customer_id' in args)) {
    const subject = quoted(args.subject);
    return subject ? s.ticket(subject) : serverSummary;
  }
  if (tool === 'add_ticket_comment' && typeof args.ticket_id === 'string') {
    const body = quoted(args.body, 120);
    return body ? s.comment(args.ticket_id, body) : serverSummary;
  }
  return serverSummary;
}
