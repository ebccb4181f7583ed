/**
 * What the widget's tool chips say, in the visitor's locale (the hello's `locale`; English when
 * there is no table for it). `{t}` is the ticket id; the `…` forms are shown while a tool runs.
 */
type Phrases = { running: string; done: string; runningNoTicket?: string; doneNoTicket?: string };
type Table = Record<string, Phrases> & { default: Phrases };

interface LocaleLabels {
  tools: Table;
  /** Prefix of a chip whose call was refused or declined, so it never reads as done. */
  stopped: string;
  /** Whether the running label starts lower-case after the prefix (not in German: nouns). */
  lowerAfterPrefix: boolean;
}

const LABELS: Record<string, LocaleLabels> = {
  en: {
    stopped: 'Stopped:',
    lowerAfterPrefix: true,
    tools: {
      get_ticket_status: {
        running: 'Looking up ticket {t}…',
        done: 'Looked up ticket {t}',
        runningNoTicket: 'Looking up your ticket…',
        doneNoTicket: 'Looked up your ticket',
      },
      get_customer_info: { running: 'Looking up your details…', done: 'Looked up your details' },
      list_my_tickets: { running: 'Looking up your tickets…', done: 'Looked up your tickets' },
      update_phone_number: { running: 'Updating your phone number…', done: 'Updated your phone number' },
      create_ticket: { running: 'Opening a ticket…', done: 'Opened a ticket' },
      add_ticket_comment: {
        running: 'Adding a comment to {t}…',
        done: 'Added a comment to {t}',
        runningNoTicket: 'Adding a comment…',
        doneNoTicket: 'Added a comment',
      },
      default: { running: 'Working on it…', done: 'Done' },
    },
  },
  es: {
    stopped: 'Detenido:',
    lowerAfterPrefix: true,
    tools: {
      get_ticket_status: {
        running: 'Consultando el ticket {t}…',
        done: 'Ticket {t} consultado',
        runningNoTicket: 'Consultando tu ticket…',
        doneNoTicket: 'Ticket consultado',
      },
      get_customer_info: { running: 'Consultando tus datos…', done: 'Datos consultados' },
      list_my_tickets: { running: 'Consultando tus tickets…', done: 'Tickets consultados' },
      update_phone_number: { running: 'Actualizando tu teléfono…', done: 'Teléfono actualizado' },
      create_ticket: { running: 'Abriendo un ticket…', done: 'Ticket abierto' },
      add_ticket_comment: {
        running: 'Añadiendo un comentario a {t}…',
        done: 'Comentario añadido a {t}',
        runningNoTicket: 'Añadiendo un comentario…',
        doneNoTicket: 'Comentario añadido',
      },
      default: { running: 'Trabajando en ello…', done: 'Hecho' },
    },
  },
  de: {
    stopped: 'Abgebrochen:',
    lowerAfterPrefix: false,
    tools: {
      get_ticket_status: {
        running: 'Ticket {t} wird abgerufen…',
        done: 'Ticket {t} abgerufen',
        runningNoTicket: 'Dein Ticket wird abgerufen…',
        doneNoTicket: 'Ticket abgerufen',
      },
      get_customer_info: { running: 'Deine Daten werden abgerufen…', done: 'Daten abgerufen' },
      list_my_tickets: { running: 'Deine Tickets werden abgerufen…', done: 'Tickets abgerufen' },
      update_phone_number: { running: 'Telefonnummer wird geändert…', done: 'Telefonnummer geändert' },
      create_ticket: { running: 'Ticket wird eröffnet…', done: 'Ticket eröffnet' },
      add_ticket_comment: {
        running: 'Kommentar zu {t} wird hinzugefügt…',
        done: 'Kommentar zu {t} hinzugefügt',
        runningNoTicket: 'Kommentar wird hinzugefügt…',
        doneNoTicket: 'Kommentar hinzugefügt',
      },
      default: { running: 'Wird bearbeitet…', done: 'Erledigt' },
    },
  },
  fr: {
    stopped: 'Interrompu :',
    lowerAfterPrefix: true,
    tools: {
      get_ticket_status: {
        running: 'Consultation du ticket {t}…',
        done: 'Ticket {t} consulté',
        runningNoTicket: 'Consultation de votre ticket…',
        doneNoTicket: 'Ticket consulté',
      },
      get_customer_info: { running: 'Consultation de vos coordonnées…', done: 'Coordonnées consultées' },
      list_my_tickets: { running: 'Consultation de vos tickets…', done: 'Tickets consultés' },
      update_phone_number: { running: 'Mise à jour de votre numéro…', done: 'Numéro mis à jour' },
      create_ticket: { running: "Ouverture d'un ticket…", done: 'Ticket ouvert' },
      add_ticket_comment: {
        running: "Ajout d'un commentaire à {t}…",
        done: 'Commentaire ajouté à {t}',
        runningNoTicket: "Ajout d'un commentaire…",
        doneNoTicket: 'Commentaire ajouté',
      },
      default: { running: 'En cours…', done: 'Terminé' },
    },
  },
  ar: {
    stopped: 'توقف:',
    lowerAfterPrefix: false,
    tools: {
      get_ticket_status: {
        running: 'جارٍ البحث عن التذكرة {t}…',
        done: 'تم البحث عن التذكرة {t}',
        runningNoTicket: 'جارٍ البحث عن تذكرتك…',
        doneNoTicket: 'تم البحث عن تذكرتك',
      },
      get_customer_info: { running: 'جارٍ البحث عن بياناتك…', done: 'تم البحث عن بياناتك' },
      list_my_tickets: { running: 'جارٍ البحث عن تذاكرك…', done: 'تم البحث عن تذاكرك' },
      update_phone_number: { running: 'جارٍ تحديث رقم هاتفك…', done: 'تم تحديث رقم هاتفك' },
      create_ticket: { running: 'جارٍ فتح تذكرة…', done: 'تم فتح تذكرة' },
      add_ticket_comment: {
        running: 'جارٍ إضافة تعليق إلى {t}…',
        done: 'تمت إضافة تعليق إلى {t}',
        runningNoTicket: 'جارٍ إضافة تعليق…',
        doneNoTicket: 'تمت إضافة تعليق',
      },
      default: { running: 'جارٍ العمل على ذلك…', done: 'تم' },
    },
  },
};

function labelsFor(locale: string): LocaleLabels {
  return LABELS[locale.toLowerCase().split('-')[0] ?? 'en'] ?? (LABELS.en as LocaleLabels);
}

function phrase(
  name: string,
  args: Record<string, unknown> | null,
  locale: string,
  form: 'running' | 'done',
): string {
  const table = labelsFor(locale).tools;
  const p = table[name] ?? table.default;
  const ticket = typeof args?.ticket_id === 'string' ? args.ticket_id : null;
  const noTicket = form === 'running' ? p.runningNoTicket : p.doneNoTicket;
  if (!ticket && noTicket) return noTicket;
  return p[form].replace('{t}', ticket ?? '');
}

/** What a chip says while its tool runs ("Looking up ticket T-1001…"). */
export function toolLabel(name: string, args: Record<string, unknown> | null, locale = 'en'): string {
  return phrase(name, args, locale, 'running');
}

/** What a finished chip says ("Looked up ticket T-1001"): no ellipsis once nothing is running. */
export function toolDoneLabel(name: string, args: Record<string, unknown> | null, locale = 'en'): string {
  return phrase(name, args, locale, 'done');
}

/** What a refused or declined chip says ("Stopped: updating your phone number"). */
export function toolStoppedLabel(name: string, args: Record<string, unknown> | null, locale = 'en'): string {
  const l = labelsFor(locale);
  const running = toolLabel(name, args, locale).replace(/…$/, '');
  const rest = l.lowerAfterPrefix ? `${running.charAt(0).toLowerCase()}${running.slice(1)}` : running;
  return `${l.stopped} ${rest}`;
}
