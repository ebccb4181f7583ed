import { localDate, phoneText } from './format.js';
import type { Strings } from './strings-types.js';

/** German, Sie-Form (as the widget: "Wie können wir Ihnen helfen?"). */
const date = (iso: string) => localDate(iso, 'de') ?? 'einem unbekannten Datum';
const STATUS: Record<string, string> = {
  open: 'offen',
  pending: 'in Bearbeitung',
  solved: 'gelöst',
  closed: 'geschlossen',
};
const status = (s: string) => STATUS[s] ?? s;

const MENU =
  'Ich kann den Status Ihrer Tickets prüfen (zum Beispiel: „Wie ist der Status von Ticket T-1001?“), Ihre Tickets auflisten, Ihnen sagen, welche Kontaktdaten wir gespeichert haben, Ihre Telefonnummer ändern, ein neues Ticket eröffnen, einen Kommentar zu einem Ticket hinzufügen oder Sie an eine Person aus unserem Team weitergeben.';

export const DE: Strings = {
  prompts: {
    ask_ticket_id: 'Welches Ticket meinen Sie? Bitte nennen Sie mir die Nummer, zum Beispiel T-1001.',
    ask_phone: 'Wie lautet die neue Telefonnummer? Bitte mit Ländervorwahl, zum Beispiel +49 30 1234567.',
    ask_subject: 'Gern eröffne ich ein Ticket für Sie. Worum geht es, in wenigen Worten?',
    ask_description:
      'Danke. Bitte beschreiben Sie das Problem in ein, zwei Sätzen, damit unser Team die Details hat.',
    ask_email: 'An welche E-Mail-Adresse soll unser Team antworten?',
    ask_comment_ticket:
      'Zu welchem Ticket soll ich Ihren Kommentar hinzufügen? Bitte nennen Sie die Nummer, zum Beispiel T-1001.',
    ask_comment_body: 'Was soll ich dem Ticket hinzufügen?',
    ask_handoff: 'Ich bitte eine Person aus unserem Team, sich bei Ihnen zu melden. Was soll ich ausrichten?',
    offer_ticket: 'Soll ich ein Ticket eröffnen, damit sich eine Person aus unserem Team darum kümmert?',
  },
  greeting: (name) => `Hallo${name ? ` ${name}` : ''}! Wie kann ich Ihnen heute helfen? ${MENU}`,
  menu: MENU,
  outOfScope: `Dabei kann ich hier leider nicht helfen. ${MENU}`,
  refuseSecrets: `Wie ich eingerichtet bin, kann ich nicht weitergeben, und Schlüssel habe ich keine. ${MENU}`,
  thanks: 'Gern geschehen! Kann ich sonst noch etwas für Sie tun?',
  bye: 'Danke für Ihre Nachricht. Einen schönen Tag noch!',
  cancelled: 'Kein Problem, ich habe abgebrochen. Es wurde nichts geändert.',
  declined: 'In Ordnung, ich habe nichts geändert.',
  expired: 'Die Bestätigung ist abgelaufen, daher habe ich nichts geändert. Fragen Sie gern noch einmal.',
  signIn: 'Bitte melden Sie sich zuerst an, damit ich Ihr Konto ansehen kann.',
  cannotHere: 'Das kann ich in diesem Chat leider nicht erledigen.',
  badPhone: 'Das sieht nicht nach einer gültigen Telefonnummer aus.',
  badEmail: 'Das sieht nicht nach einer E-Mail-Adresse aus.',
  anythingElse: 'Kein Problem. Kann ich sonst noch etwas für Sie tun?',
  notFoundTicket: (id) =>
    `Ich finde ${id ? `Ticket ${id}` : 'dieses Ticket'} nicht in Ihrem Konto. Bitte prüfen Sie die Nummer (im Format T-1001).`,
  ticketStatus: (t) => {
    const reply = t.latest_reply ? ` Die letzte Antwort lautet: „${t.latest_reply}“` : '';
    return `Ticket ${t.ticket_id} („${t.subject}“) ist **${status(t.status)}**. Es wurde am ${date(t.created_at)} eröffnet und zuletzt am ${date(t.updated_at ?? t.created_at)} aktualisiert.${reply}`;
  },
  ticketList: (tickets, filter) => {
    if (tickets.length === 0)
      return filter
        ? `Sie haben keine Tickets mit dem Status „${status(filter)}“.`
        : 'Sie haben keine Tickets bei uns.';
    const lines = tickets.map(
      (t) =>
        `- ${t.ticket_id} „${t.subject}“: **${status(t.status)}**${t.updated_at ? `, aktualisiert am ${date(t.updated_at)}` : ''}`,
    );
    const which = filter ? ` mit dem Status „${status(filter)}“` : '';
    return `Sie haben ${tickets.length} ${tickets.length === 1 ? 'Ticket' : 'Tickets'}${which}:\n${lines.join('\n')}`;
  },
  contact: (c) =>
    `${c.name ? `Sie sind angemeldet als ${c.name}. ` : ''}Wir haben Ihre E-Mail-Adresse als ${c.email ?? 'nicht hinterlegt'} und Ihre Telefonnummer als ${phoneText(c.phone) ?? 'nicht hinterlegt'} gespeichert.`,
  topicChoice: (tickets) =>
    `Mehrere Ihrer Tickets könnten passen: ${tickets.map((t) => `${t.ticket_id} „${t.subject}“`).join(', ')}.`,
  topicNone: 'Ich finde kein Ticket von Ihnen zu diesem Thema.',
  notUnderstood: `Entschuldigung, das habe ich nicht verstanden. ${MENU}`,
  phoneUpdated: (phone) => `Erledigt! Ihre Telefonnummer ist jetzt ${phoneText(phone) ?? 'aktualisiert'}.`,
  phoneUnchanged: (phone) =>
    `${phoneText(phone) ?? 'Diese Nummer'} ist bereits Ihre gespeicherte Telefonnummer, es musste nichts geändert werden.`,
  ticketCreated: (id, subject, existing) =>
    existing
      ? `Sie haben dazu bereits Ticket ${id}${subject ? ` („${subject}“)` : ''} eröffnet; unser Team kümmert sich darum.`
      : `Ich habe Ticket ${id}${subject ? ` („${subject}“)` : ''} eröffnet. Unser Team meldet sich bald bei Ihnen.`,
  commentAdded: (id) => `Ich habe Ihren Kommentar zu Ticket ${id} hinzugefügt.`,
  ticketClosed: (id) =>
    `${id ? `Ticket ${id} ist` : 'Dieses Ticket ist'} geschlossen, daher kann ich nichts hinzufügen. Soll ich ein Ticket eröffnen, damit sich eine Person aus unserem Team darum kümmert?`,
  confirmationInvalid:
    'Diese Bestätigung ist nicht durchgegangen, daher wurde nichts geändert. Bitte fragen Sie noch einmal.',
  invalidArgument: 'Etwas an dieser Anfrage war ungültig, daher wurde nichts geändert.',
  generic: 'Das hat gerade leider nicht geklappt. Bitte versuchen Sie es gleich noch einmal.',
  date,
};
