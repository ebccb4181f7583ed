import { baseLocale } from '../i18n/locale.js';

/** The replies the loop itself gives (a cap reached, the model unreachable), per locale (issue #14). */
export interface LoopReplies {
  cap: string;
  unavailable: string;
}

const REPLIES: Record<ReturnType<typeof baseLocale>, LoopReplies> = {
  en: {
    cap: "I'm sorry, I couldn't finish that. Would you like me to open a ticket so a person from our team can follow up?",
    unavailable:
      "I'm sorry, I'm having trouble answering right now. Please try again in a moment, or I can open a ticket so a person from our team can follow up.",
  },
  es: {
    cap: 'Lo siento, no he podido terminar. ¿Quieres que abra un ticket para que una persona de nuestro equipo haga el seguimiento?',
    unavailable:
      'Lo siento, ahora mismo me cuesta responder. Inténtalo de nuevo en un momento, o puedo abrir un ticket para que una persona de nuestro equipo haga el seguimiento.',
  },
  de: {
    cap: 'Das konnte ich leider nicht abschließen. Soll ich ein Ticket eröffnen, damit sich eine Person aus unserem Team darum kümmert?',
    unavailable:
      'Ich kann gerade leider nicht antworten. Bitte versuchen Sie es gleich noch einmal, oder ich eröffne ein Ticket, damit sich eine Person aus unserem Team darum kümmert.',
  },
  fr: {
    cap: 'Désolé, je n’ai pas pu aller au bout. Voulez-vous que j’ouvre un ticket pour qu’une personne de notre équipe assure le suivi ?',
    unavailable:
      'Désolé, j’ai du mal à répondre pour le moment. Veuillez réessayer dans un instant, ou je peux ouvrir un ticket pour qu’une personne de notre équipe assure le suivi.',
  },
  ar: {
    cap: 'عذرًا، لم أتمكن من إكمال ذلك. هل تريد أن أفتح تذكرة ليتابعها شخص من فريقنا؟',
    unavailable:
      'عذرًا، أواجه صعوبة في الرد الآن. يُرجى المحاولة بعد قليل، أو يمكنني فتح تذكرة ليتابعها شخص من فريقنا.',
  },
};

/** The loop's own replies in the visitor's locale (English when there are none). */
export function loopReplies(locale: string): LoopReplies {
  return REPLIES[baseLocale(locale)];
}

/** The name of the visitor's language, for a model's system prompt. */
export function languageName(locale: string): string {
  return { en: 'English', es: 'Spanish', de: 'German', fr: 'French', ar: 'Arabic' }[baseLocale(locale)];
}
