import { WIRE_ERRORS, type WireErrorCode } from '../../shared/errors.js';
import { baseLocale, type Locale } from '../i18n/locale.js';

/**
 * The wire errors a visitor can see, in their language (issue #14: every error a visitor can see is
 * in their locale). Register as in the widget: Spanish `tú`, German `Sie`, French `vous`. Codes a
 * visitor never reads (protocol faults of a broken client) stay in English.
 */
const TEXT: Record<Exclude<Locale, 'en'>, Partial<Record<WireErrorCode, string>>> = {
  es: {
    text_too_long: 'Los mensajes tienen un máximo de 4000 caracteres.',
    unauthorized: 'No se pudo verificar tu sesión. Vuelve a cargar la página.',
    token_expired: 'Tu sesión ha caducado. Vuelve a cargar la página.',
    unknown_site: 'Este sitio no está configurado para Deputy.',
    forbidden_origin: 'Esta página no tiene permiso para usar este chat.',
    conversation_not_found: 'No encontramos esa conversación; hemos empezado una nueva.',
    confirmation_unknown: 'Esa confirmación ya no está pendiente.',
    busy: 'Todavía estoy con tu mensaje anterior.',
    rate_limited: 'Estás enviando mensajes muy rápido. Espera un momento.',
    model_budget: 'Has preguntado mucho en poco tiempo. Espera un minuto y vuelve a preguntar.',
    slow_reader: 'La conexión es demasiado lenta; reconectando.',
    too_many_connections: 'Hay demasiados chats abiertos.',
    model_unavailable: 'El asistente no está disponible ahora mismo. Inténtalo de nuevo en un momento.',
    internal: 'Algo ha fallado por nuestra parte. Inténtalo de nuevo.',
    shutting_down: 'El servidor se está reiniciando; reconectando.',
  },
  de: {
    text_too_long: 'Nachrichten dürfen höchstens 4.000 Zeichen lang sein.',
    unauthorized: 'Ihre Sitzung konnte nicht bestätigt werden. Bitte laden Sie die Seite neu.',
    token_expired: 'Ihre Sitzung ist abgelaufen. Bitte laden Sie die Seite neu.',
    unknown_site: 'Diese Website ist für Deputy nicht eingerichtet.',
    forbidden_origin: 'Diese Seite darf diesen Chat nicht verwenden.',
    conversation_not_found: 'Dieses Gespräch wurde nicht gefunden; ein neues wurde begonnen.',
    confirmation_unknown: 'Diese Bestätigung ist nicht mehr offen.',
    busy: 'Ich bearbeite noch Ihre vorherige Nachricht.',
    rate_limited: 'Sie senden Nachrichten zu schnell. Bitte warten Sie einen Moment.',
    model_budget:
      'Sie haben in kurzer Zeit sehr viel gefragt. Bitte warten Sie eine Minute und fragen Sie dann erneut.',
    slow_reader: 'Die Verbindung ist zu langsam; die Verbindung wird neu aufgebaut.',
    too_many_connections: 'Zu viele offene Chats.',
    model_unavailable: 'Der Assistent ist gerade nicht verfügbar. Bitte versuchen Sie es gleich noch einmal.',
    internal: 'Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es noch einmal.',
    shutting_down: 'Der Server startet neu; die Verbindung wird neu aufgebaut.',
  },
  fr: {
    text_too_long: 'Les messages sont limités à 4 000 caractères.',
    unauthorized: "Votre session n'a pas pu être vérifiée. Veuillez recharger la page.",
    token_expired: 'Votre session a expiré. Veuillez recharger la page.',
    unknown_site: "Ce site n'est pas configuré pour Deputy.",
    forbidden_origin: "Cette page n'est pas autorisée à utiliser ce chat.",
    conversation_not_found: 'Cette conversation est introuvable ; une nouvelle a été ouverte.',
    confirmation_unknown: "Cette confirmation n'est plus en attente.",
    busy: 'Je traite encore votre message précédent.',
    rate_limited: 'Vous envoyez des messages trop vite. Veuillez patienter un instant.',
    model_budget:
      'Vous avez posé beaucoup de questions en peu de temps. Patientez une minute, puis reposez votre question.',
    slow_reader: 'La connexion est trop lente ; reconnexion en cours.',
    too_many_connections: 'Trop de chats ouverts.',
    model_unavailable: "L'assistant est indisponible pour le moment. Veuillez réessayer dans un instant.",
    internal: 'Un problème est survenu de notre côté. Veuillez réessayer.',
    shutting_down: 'Le serveur redémarre ; reconnexion en cours.',
  },
  ar: {
    text_too_long: 'الحد الأقصى للرسالة 4000 حرف.',
    unauthorized: 'تعذّر التحقق من جلستك. يُرجى إعادة تحميل الصفحة.',
    token_expired: 'انتهت صلاحية جلستك. يُرجى إعادة تحميل الصفحة.',
    unknown_site: 'هذا الموقع غير مُعدّ لاستخدام Deputy.',
    forbidden_origin: 'لا يُسمح لهذه الصفحة باستخدام هذه المحادثة.',
    conversation_not_found: 'تعذّر العثور على تلك المحادثة؛ بدأنا محادثة جديدة.',
    confirmation_unknown: 'لم يعد هذا التأكيد قيد الانتظار.',
    busy: 'ما زلت أعمل على رسالتك السابقة.',
    rate_limited: 'أنت ترسل الرسائل بسرعة كبيرة. يُرجى الانتظار قليلًا.',
    model_budget: 'لقد طرحت أسئلة كثيرة في وقت قصير. يُرجى الانتظار دقيقة ثم السؤال مجددًا.',
    slow_reader: 'الاتصال بطيء جدًا؛ جارٍ إعادة الاتصال.',
    too_many_connections: 'هناك محادثات مفتوحة كثيرة.',
    model_unavailable: 'المساعد غير متاح الآن. يُرجى المحاولة مرة أخرى بعد قليل.',
    internal: 'حدث خطأ من جهتنا. يُرجى المحاولة مرة أخرى.',
    shutting_down: 'يُعاد تشغيل الخادم؛ جارٍ إعادة الاتصال.',
  },
};

/** The message of a wire error in the visitor's locale (English when there is none). */
export function wireMessage(code: WireErrorCode, locale: string | undefined | null): string {
  const lang = baseLocale(locale);
  return (lang === 'en' ? undefined : TEXT[lang][code]) ?? WIRE_ERRORS[code].message;
}
