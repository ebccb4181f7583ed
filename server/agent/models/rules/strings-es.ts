import { localDate, phoneText } from './format.js';
import type { Strings } from './strings-types.js';

/** Spanish, tuteo (as the widget: "Escribe tu mensaje"). */
const date = (iso: string) => localDate(iso, 'es') ?? 'una fecha desconocida';
const STATUS: Record<string, string> = {
  open: 'abierto',
  pending: 'pendiente',
  solved: 'resuelto',
  closed: 'cerrado',
};
const status = (s: string) => STATUS[s] ?? s;

const MENU =
  'Puedo consultar el estado de tus tickets (por ejemplo: «¿Cuál es el estado del ticket T-1001?»), mostrarte tus tickets, decirte los datos de contacto que tenemos, cambiar tu número de teléfono, abrir un ticket nuevo, añadir un comentario a un ticket o pasarte con una persona de nuestro equipo.';

export const ES: Strings = {
  prompts: {
    ask_ticket_id: '¿A qué ticket te refieres? Indícame su número, por ejemplo T-1001.',
    ask_phone:
      '¿Cuál es el nuevo número de teléfono? Incluye el prefijo del país, por ejemplo +34 612 345 678.',
    ask_subject: 'De acuerdo, te abro un ticket. En pocas palabras, ¿de qué se trata?',
    ask_description:
      'Gracias. Describe el problema en una o dos frases para que nuestro equipo tenga los detalles.',
    ask_email: '¿A qué correo electrónico te puede responder nuestro equipo?',
    ask_comment_ticket: '¿A qué ticket añado tu comentario? Indícame su número, por ejemplo T-1001.',
    ask_comment_body: '¿Qué quieres que añada al ticket?',
    ask_handoff: 'Le pediré a una persona de nuestro equipo que te responda. ¿Qué le digo?',
    offer_ticket: '¿Quieres que abra un ticket para que una persona de nuestro equipo haga el seguimiento?',
  },
  greeting: (name) => `¡Hola${name ? `, ${name}` : ''}! ¿En qué puedo ayudarte hoy? ${MENU}`,
  menu: MENU,
  outOfScope: `Lo siento, con eso no puedo ayudarte aquí. ${MENU}`,
  refuseSecrets: `No puedo compartir cómo estoy configurado y no tengo claves que compartir. ${MENU}`,
  thanks: '¡De nada! ¿Puedo ayudarte en algo más?',
  bye: 'Gracias por escribirnos. ¡Que tengas un buen día!',
  cancelled: 'De acuerdo, lo dejo aquí. No se ha cambiado nada.',
  declined: 'De acuerdo, no he cambiado nada.',
  expired: 'La confirmación caducó, así que no he cambiado nada. Vuelve a pedírmelo si quieres.',
  signIn: 'Primero inicia sesión para que pueda consultar tu cuenta.',
  cannotHere: 'Eso no lo puedo hacer desde este chat.',
  badPhone: 'Ese número de teléfono no parece válido.',
  badEmail: 'Eso no parece una dirección de correo electrónico.',
  anythingElse: 'Sin problema. ¿Puedo ayudarte en algo más?',
  notFoundTicket: (id) =>
    `No encuentro ${id ? `el ticket ${id}` : 'ese ticket'} en tu cuenta. Revisa el número (tiene el formato T-1001).`,
  ticketStatus: (t) => {
    const reply = t.latest_reply ? ` La última respuesta dice: «${t.latest_reply}»` : '';
    return `El ticket ${t.ticket_id} («${t.subject}») está **${status(t.status)}**. Se abrió el ${date(t.created_at)} y se actualizó por última vez el ${date(t.updated_at ?? t.created_at)}.${reply}`;
  },
  ticketList: (tickets, filter) => {
    if (tickets.length === 0)
      return filter
        ? `No tienes tickets en estado ${status(filter)}.`
        : 'No tienes ningún ticket con nosotros.';
    const lines = tickets.map(
      (t) =>
        `- ${t.ticket_id} «${t.subject}»: **${status(t.status)}**${t.updated_at ? `, actualizado el ${date(t.updated_at)}` : ''}`,
    );
    const noun = tickets.length === 1 ? 'ticket' : 'tickets';
    const which = filter ? ` en estado ${status(filter)}` : '';
    return `Tienes ${tickets.length} ${noun}${which}:\n${lines.join('\n')}`;
  },
  contact: (c) =>
    `${c.name ? `Has iniciado sesión como ${c.name}. ` : ''}Tenemos tu correo como ${c.email ?? 'no registrado'} y tu teléfono como ${phoneText(c.phone) ?? 'no registrado'}.`,
  topicChoice: (tickets) =>
    `Varios de tus tickets podrían coincidir: ${tickets.map((t) => `${t.ticket_id} «${t.subject}»`).join(', ')}.`,
  topicNone: 'No encuentro ningún ticket tuyo sobre eso.',
  notUnderstood: `Perdona, no te he entendido. ${MENU}`,
  phoneUpdated: (phone) => `¡Listo! Tu número de teléfono ahora es ${phoneText(phone) ?? 'el nuevo'}.`,
  phoneUnchanged: (phone) =>
    `${phoneText(phone) ?? 'Ese número'} ya es el teléfono que tenemos, así que no hacía falta cambiar nada.`,
  ticketCreated: (id, subject, existing) =>
    existing
      ? `Ya abriste el ticket ${id}${subject ? ` («${subject}»)` : ''} sobre esto; nuestro equipo está en ello.`
      : `He abierto el ticket ${id}${subject ? ` («${subject}»)` : ''}. Nuestro equipo te responderá pronto.`,
  commentAdded: (id) => `He añadido tu comentario al ticket ${id}.`,
  ticketClosed: (id) =>
    `${id ? `El ticket ${id} está cerrado` : 'Ese ticket está cerrado'}, así que no puedo añadirle nada. ¿Quieres que abra un ticket para que una persona de nuestro equipo haga el seguimiento?`,
  confirmationInvalid:
    'Esa confirmación no se ha completado, así que no se ha cambiado nada. Vuelve a pedírmelo.',
  invalidArgument: 'Algo de esa solicitud no era válido, así que no se ha cambiado nada.',
  generic: 'Lo siento, no he podido hacerlo ahora. Inténtalo de nuevo en un momento.',
  date,
};
