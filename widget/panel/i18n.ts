import type { Locale } from '../types.js';

/** Panel strings. English is the default locale, so the contract names ("Message", "Send") hold. */
export interface Strings {
  title: string;
  greeting: string;
  /** The greeting for a signed-in visitor; `{name}` is replaced by the first name (isolated for bidi). */
  greetName: string;
  message: string;
  placeholder: string;
  send: string;
  close: string;
  conversation: string;
  you: string;
  assistant: string;
  typing: string;
  reconnecting: string;
  offline: string;
  sending: string;
  /** Under a message the server asked us to hold back for a moment (not an error). */
  waiting: string;
  notSent: string;
  retry: string;
  confirm: string;
  cancel: string;
  accepted: string;
  declined: string;
  expired: string;
  /** A card withdrawn because the visitor wrote again (or the server restarted). */
  withdrawn: string;
  signedInAs: string;
  unread: (n: number) => string;
}

const en: Strings = {
  title: 'Chat with us',
  greeting: 'Hi! How can we help you today?',
  greetName: 'Hi {name}! How can we help you today?',
  message: 'Message',
  placeholder: 'Type your message…',
  send: 'Send',
  close: 'Close chat',
  conversation: 'Conversation',
  you: 'You',
  assistant: 'Assistant',
  typing: 'Assistant is typing…',
  reconnecting: 'Reconnecting…',
  offline: 'The chat is unavailable.',
  sending: 'Sending…',
  waiting: 'One moment — we’ll send this shortly…',
  notSent: 'Not sent',
  retry: 'Retry',
  confirm: 'Confirm',
  cancel: 'Cancel',
  accepted: 'Confirmed',
  declined: 'Cancelled',
  expired: 'This request expired',
  withdrawn: 'Nothing was changed',
  signedInAs: 'Signed in as',
  unread: (n) => `${n} unread`,
};

export const STRINGS: Record<Locale, Strings> = {
  en,
  es: {
    title: 'Chatea con nosotros',
    greeting: '¡Hola! ¿En qué podemos ayudarte hoy?',
    greetName: '¡Hola, {name}! ¿En qué podemos ayudarte hoy?',
    message: 'Mensaje',
    placeholder: 'Escribe tu mensaje…',
    send: 'Enviar',
    close: 'Cerrar chat',
    conversation: 'Conversación',
    you: 'Tú',
    assistant: 'Asistente',
    typing: 'El asistente está escribiendo…',
    reconnecting: 'Reconectando…',
    offline: 'El chat no está disponible.',
    sending: 'Enviando…',
    waiting: 'Un momento: lo enviaremos enseguida…',
    notSent: 'No enviado',
    retry: 'Reintentar',
    confirm: 'Confirmar',
    cancel: 'Cancelar',
    accepted: 'Confirmado',
    declined: 'Cancelado',
    expired: 'Esta solicitud caducó',
    withdrawn: 'No se ha cambiado nada',
    signedInAs: 'Sesión iniciada como',
    unread: (n) => `${n} sin leer`,
  },
  de: {
    title: 'Chatten Sie mit uns',
    greeting: 'Hallo! Wie können wir Ihnen heute helfen?',
    greetName: 'Hallo {name}! Wie können wir Ihnen heute helfen?',
    message: 'Nachricht',
    placeholder: 'Nachricht eingeben…',
    send: 'Senden',
    close: 'Chat schließen',
    conversation: 'Unterhaltung',
    you: 'Sie',
    assistant: 'Assistent',
    typing: 'Der Assistent schreibt…',
    reconnecting: 'Verbindung wird wiederhergestellt…',
    offline: 'Der Chat ist nicht verfügbar.',
    sending: 'Wird gesendet…',
    waiting: 'Einen Moment – wird gleich gesendet…',
    notSent: 'Nicht gesendet',
    retry: 'Erneut senden',
    confirm: 'Bestätigen',
    cancel: 'Abbrechen',
    accepted: 'Bestätigt',
    declined: 'Abgebrochen',
    expired: 'Diese Anfrage ist abgelaufen',
    withdrawn: 'Es wurde nichts geändert',
    signedInAs: 'Angemeldet als',
    unread: (n) => `${n} ungelesen`,
  },
  fr: {
    title: 'Discutez avec nous',
    greeting: 'Bonjour ! Comment pouvons-nous vous aider ?',
    greetName: 'Bonjour {name} ! Comment pouvons-nous vous aider ?',
    message: 'Message',
    placeholder: 'Écrivez votre message…',
    send: 'Envoyer',
    close: 'Fermer le chat',
    conversation: 'Conversation',
    you: 'Vous',
    assistant: 'Assistant',
    typing: 'L’assistant écrit…',
    reconnecting: 'Reconnexion…',
    offline: 'Le chat est indisponible.',
    sending: 'Envoi…',
    waiting: 'Un instant : envoi dans un moment…',
    notSent: 'Non envoyé',
    retry: 'Réessayer',
    confirm: 'Confirmer',
    cancel: 'Annuler',
    accepted: 'Confirmé',
    declined: 'Annulé',
    expired: 'Cette demande a expiré',
    withdrawn: 'Rien n’a été modifié',
    signedInAs: 'Connecté en tant que',
    unread: (n) => `${n} non lu${n > 1 ? 's' : ''}`,
  },
  ar: {
    title: 'تحدث معنا',
    greeting: 'مرحبًا! كيف يمكننا مساعدتك اليوم؟',
    greetName: 'مرحبًا {name}! كيف يمكننا مساعدتك اليوم؟',
    message: 'الرسالة',
    placeholder: 'اكتب رسالتك…',
    send: 'إرسال',
    close: 'إغلاق المحادثة',
    conversation: 'المحادثة',
    you: 'أنت',
    assistant: 'المساعد',
    typing: 'المساعد يكتب…',
    reconnecting: 'جارٍ إعادة الاتصال…',
    offline: 'المحادثة غير متاحة.',
    sending: 'جارٍ الإرسال…',
    waiting: 'لحظة من فضلك، سنرسلها بعد قليل…',
    notSent: 'لم تُرسل',
    retry: 'إعادة المحاولة',
    confirm: 'تأكيد',
    cancel: 'إلغاء',
    accepted: 'تم التأكيد',
    declined: 'تم الإلغاء',
    expired: 'انتهت صلاحية هذا الطلب',
    withdrawn: 'لم يتم تغيير أي شيء',
    signedInAs: 'مسجّل الدخول باسم',
    unread: (n) => `${n} غير مقروءة`,
  },
};

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** Short local time ("14:05" / "2:05 PM"); formatters are cached per locale. */
export function formatTime(iso: string, locale: Locale): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  let fmt = timeFormats.get(locale);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
    timeFormats.set(locale, fmt);
  }
  return fmt.format(date);
}
