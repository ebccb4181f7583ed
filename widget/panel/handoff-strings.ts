import type { Locale } from '../types.js';

/**
 * The widget's words for a person joining (docs/console.md). Status lines arrive as event codes
 * (`joined`, `queued:3`, …) with the operator's display name, and are worded here in the visitor's
 * locale; `{n}` is a name or a number of minutes.
 */
interface HandoffStrings {
  joined: string;
  left: string;
  resolved: string;
  queued: string;
  offline: string;
  typing: string;
}

const S: Record<Locale, HandoffStrings> = {
  en: {
    joined: '{n} joined the conversation',
    left: '{n} handed you back to the assistant',
    resolved: '{n} marked this conversation as resolved',
    queued: 'Waiting for a person — about {n} min',
    offline: 'Nobody from our team is available right now. I can open a ticket so they reply by email.',
    typing: '{n} is typing…',
  },
  es: {
    joined: '{n} se unió a la conversación',
    left: '{n} te devolvió al asistente',
    resolved: '{n} marcó esta conversación como resuelta',
    queued: 'Esperando a una persona: unos {n} min',
    offline:
      'Ahora no hay nadie del equipo disponible. Puedo abrir un ticket para que te respondan por correo.',
    typing: '{n} está escribiendo…',
  },
  de: {
    joined: '{n} ist dem Gespräch beigetreten',
    left: '{n} hat Sie an den Assistenten zurückgegeben',
    resolved: '{n} hat dieses Gespräch als gelöst markiert',
    queued: 'Warten auf eine Person – etwa {n} Min.',
    offline:
      'Gerade ist niemand aus unserem Team erreichbar. Ich kann ein Ticket öffnen, dann antwortet man per E-Mail.',
    typing: '{n} schreibt…',
  },
  fr: {
    joined: '{n} a rejoint la conversation',
    left: '{n} vous a redirigé vers l’assistant',
    resolved: '{n} a marqué cette conversation comme résolue',
    queued: 'En attente d’une personne — environ {n} min',
    offline:
      'Personne de l’équipe n’est disponible pour le moment. Je peux ouvrir un ticket pour une réponse par e-mail.',
    typing: '{n} écrit…',
  },
  ar: {
    joined: 'انضم {n} إلى المحادثة',
    left: 'أعادك {n} إلى المساعد',
    resolved: 'أغلق {n} هذه المحادثة',
    queued: 'في انتظار أحد أعضاء الفريق — حوالي {n} دقيقة',
    offline: 'لا يوجد أحد من فريقنا متاح الآن. يمكنني فتح تذكرة ليردوا عليك بالبريد الإلكتروني.',
    typing: '{n} يكتب…',
  },
};

/** A status line's text: `joined` with "Sam" → "Sam joined the conversation". Unknown codes: none. */
export function statusText(locale: Locale, event: string, name = ''): string | null {
  const s = S[locale] ?? S.en;
  const [kind, minutes] = event.split(':');
  const fill = (t: string, n: string) => t.replace('{n}', n);
  if (kind === 'queued') return fill(s.queued, String(Number(minutes) || 1));
  if (kind === 'joined' || kind === 'left' || kind === 'resolved') return fill(s[kind], name);
  if (kind === 'offline') return s.offline;
  return null;
}

/** "Sam is typing…". */
export function typingText(locale: Locale, name: string): string {
  return (S[locale] ?? S.en).typing.replace('{n}', name);
}
