import { localDate, phoneText } from './format.js';
import type { Strings } from './strings-types.js';

/** French, vouvoiement (as the widget: "Comment pouvons-nous vous aider ?"). */
const date = (iso: string) => localDate(iso, 'fr') ?? 'une date inconnue';
const STATUS: Record<string, string> = {
  open: 'ouvert',
  pending: 'en attente',
  solved: 'résolu',
  closed: 'fermé',
};
const status = (s: string) => STATUS[s] ?? s;

const MENU =
  'Je peux consulter le statut de vos tickets (par exemple : « Quel est le statut du ticket T-1001 ? »), lister vos tickets, vous indiquer les coordonnées que nous avons, modifier votre numéro de téléphone, ouvrir un nouveau ticket, ajouter un commentaire à un ticket ou vous mettre en relation avec une personne de notre équipe.';

export const FR: Strings = {
  prompts: {
    ask_ticket_id: 'De quel ticket parlez-vous ? Indiquez-moi son numéro, par exemple T-1001.',
    ask_phone:
      'Quel est le nouveau numéro de téléphone ? Avec l’indicatif du pays, par exemple +33 6 12 34 56 78.',
    ask_subject: 'Bien sûr, je vous ouvre un ticket. En quelques mots, de quoi s’agit-il ?',
    ask_description:
      'Merci. Décrivez le problème en une ou deux phrases, pour que notre équipe ait les détails.',
    ask_email: 'À quelle adresse e-mail notre équipe peut-elle vous répondre ?',
    ask_comment_ticket:
      'À quel ticket dois-je ajouter votre commentaire ? Indiquez-moi son numéro, par exemple T-1001.',
    ask_comment_body: 'Que voulez-vous que j’ajoute au ticket ?',
    ask_handoff:
      'Je vais demander à une personne de notre équipe de vous recontacter. Que dois-je lui transmettre ?',
    offer_ticket: 'Voulez-vous que j’ouvre un ticket pour qu’une personne de notre équipe assure le suivi ?',
  },
  greeting: (name) => `Bonjour${name ? ` ${name}` : ''} ! Comment puis-je vous aider aujourd’hui ? ${MENU}`,
  menu: MENU,
  outOfScope: `Désolé, je ne peux pas vous aider pour cela ici. ${MENU}`,
  refuseSecrets: `Je ne peux pas partager ma configuration, et je n’ai aucune clé à partager. ${MENU}`,
  thanks: 'Avec plaisir ! Puis-je vous aider pour autre chose ?',
  bye: 'Merci de nous avoir écrit. Bonne journée !',
  cancelled: 'Pas de problème, je m’arrête là. Rien n’a été modifié.',
  declined: 'D’accord, je n’ai rien modifié.',
  expired: 'La confirmation a expiré, je n’ai donc rien modifié. Redemandez-moi si vous le souhaitez.',
  signIn: 'Veuillez d’abord vous connecter, pour que je puisse consulter votre compte.',
  cannotHere: 'Je ne peux pas faire cela depuis ce chat.',
  badPhone: 'Ce numéro de téléphone ne semble pas valide.',
  badEmail: 'Cela ne ressemble pas à une adresse e-mail.',
  anythingElse: 'Pas de problème. Puis-je vous aider pour autre chose ?',
  notFoundTicket: (id) =>
    `Je ne trouve pas ${id ? `le ticket ${id}` : 'ce ticket'} sur votre compte. Vérifiez le numéro (au format T-1001).`,
  ticketStatus: (t) => {
    const reply = t.latest_reply ? ` La dernière réponse dit : « ${t.latest_reply} »` : '';
    return `Le ticket ${t.ticket_id} (« ${t.subject} ») est **${status(t.status)}**. Il a été ouvert le ${date(t.created_at)} et mis à jour pour la dernière fois le ${date(t.updated_at ?? t.created_at)}.${reply}`;
  },
  ticketList: (tickets, filter) => {
    if (tickets.length === 0)
      return filter
        ? `Vous n’avez aucun ticket au statut « ${status(filter)} ».`
        : 'Vous n’avez aucun ticket chez nous.';
    const lines = tickets.map(
      (t) =>
        `- ${t.ticket_id} « ${t.subject} » : **${status(t.status)}**${t.updated_at ? `, mis à jour le ${date(t.updated_at)}` : ''}`,
    );
    const which = filter ? ` au statut « ${status(filter)} »` : '';
    return `Vous avez ${tickets.length} ticket${tickets.length === 1 ? '' : 's'}${which} :\n${lines.join('\n')}`;
  },
  contact: (c) =>
    `${c.name ? `Vous êtes connecté en tant que ${c.name}. ` : ''}Nous avons votre e-mail : ${c.email ?? 'non renseigné'}, et votre numéro de téléphone : ${phoneText(c.phone) ?? 'non renseigné'}.`,
  topicChoice: (tickets) =>
    `Plusieurs de vos tickets pourraient correspondre : ${tickets.map((t) => `${t.ticket_id} « ${t.subject} »`).join(', ')}.`,
  topicNone: 'Je ne trouve aucun de vos tickets à ce sujet.',
  notUnderstood: `Désolé, je n’ai pas compris. ${MENU}`,
  phoneUpdated: (phone) =>
    `C’est fait ! Votre numéro de téléphone est maintenant ${phoneText(phone) ?? 'à jour'}.`,
  phoneUnchanged: (phone) =>
    `${phoneText(phone) ?? 'Ce numéro'} est déjà votre numéro enregistré ; rien n’a dû être modifié.`,
  ticketCreated: (id, subject, existing) =>
    existing
      ? `Vous avez déjà ouvert le ticket ${id}${subject ? ` (« ${subject} »)` : ''} à ce sujet ; notre équipe s’en occupe.`
      : `J’ai ouvert le ticket ${id}${subject ? ` (« ${subject} »)` : ''}. Notre équipe vous répondra bientôt.`,
  commentAdded: (id) => `J’ai ajouté votre commentaire au ticket ${id}.`,
  ticketClosed: (id) =>
    `${id ? `Le ticket ${id} est fermé` : 'Ce ticket est fermé'}, je ne peux donc rien y ajouter. Voulez-vous que j’ouvre un ticket pour qu’une personne de notre équipe assure le suivi ?`,
  confirmationInvalid: 'Cette confirmation n’a pas abouti, rien n’a donc été modifié. Veuillez redemander.',
  invalidArgument: 'Un élément de cette demande n’était pas valide, rien n’a donc été modifié.',
  generic: 'Désolé, je n’ai pas pu le faire pour le moment. Veuillez réessayer dans un instant.',
  date,
};
