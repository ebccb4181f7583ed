import { localDate, phoneText } from './format.js';
import type { Strings } from './strings-types.js';

/** Modern Standard Arabic, polite and neutral (as the widget). Ticket ids and phones stay Latin. */
const date = (iso: string) => localDate(iso, 'ar') ?? 'تاريخ غير معروف';
const STATUS: Record<string, string> = {
  open: 'مفتوحة',
  pending: 'قيد المعالجة',
  solved: 'محلولة',
  closed: 'مغلقة',
};
const status = (s: string) => STATUS[s] ?? s;

const MENU =
  'يمكنني التحقق من حالة تذاكرك (مثلًا: «ما حالة التذكرة T-1001؟»)، وعرض تذاكرك، وإخبارك ببيانات الاتصال المسجلة لدينا، وتغيير رقم هاتفك، وفتح تذكرة جديدة، وإضافة تعليق إلى تذكرة، أو تحويلك إلى شخص من فريقنا.';

export const AR: Strings = {
  prompts: {
    ask_ticket_id: 'أي تذكرة تقصد؟ يُرجى ذكر رقمها، مثل T-1001.',
    ask_phone: 'ما رقم الهاتف الجديد؟ يُرجى كتابته مع رمز الدولة، مثل +971 50 123 4567.',
    ask_subject: 'بكل سرور، سأفتح لك تذكرة. ما موضوعها باختصار؟',
    ask_description: 'شكرًا. يُرجى وصف المشكلة في جملة أو جملتين ليطّلع فريقنا على التفاصيل.',
    ask_email: 'ما البريد الإلكتروني الذي يرد عليك فريقنا من خلاله؟',
    ask_comment_ticket: 'إلى أي تذكرة أضيف تعليقك؟ يُرجى ذكر رقمها، مثل T-1001.',
    ask_comment_body: 'ماذا تريد أن أضيف إلى التذكرة؟',
    ask_handoff: 'سأطلب من شخص من فريقنا التواصل معك. ماذا أبلغه؟',
    offer_ticket: 'هل تريد أن أفتح تذكرة ليتابعها شخص من فريقنا؟',
  },
  greeting: (name) => `مرحبًا${name ? ` ${name}` : ''}! كيف يمكنني مساعدتك اليوم؟ ${MENU}`,
  menu: MENU,
  outOfScope: `عذرًا، لا يمكنني المساعدة في ذلك هنا. ${MENU}`,
  refuseSecrets: `لا يمكنني مشاركة طريقة إعدادي، وليست لدي مفاتيح لمشاركتها. ${MENU}`,
  thanks: 'على الرحب والسعة! هل هناك شيء آخر يمكنني مساعدتك فيه؟',
  bye: 'شكرًا لتواصلك معنا. نتمنى لك يومًا سعيدًا!',
  cancelled: 'لا مشكلة، توقفت هنا. لم يتم تغيير أي شيء.',
  declined: 'حسنًا، لم أغيّر أي شيء.',
  expired: 'انتهت مهلة التأكيد، لذا لم أغيّر أي شيء. يمكنك الطلب مجددًا متى شئت.',
  signIn: 'يُرجى تسجيل الدخول أولًا لأتمكن من الاطلاع على حسابك.',
  cannotHere: 'لا يمكنني القيام بذلك من هذه المحادثة.',
  badPhone: 'لا يبدو هذا رقم هاتف صالحًا.',
  badEmail: 'لا يبدو هذا عنوان بريد إلكتروني.',
  anythingElse: 'لا مشكلة. هل هناك شيء آخر يمكنني مساعدتك فيه؟',
  notFoundTicket: (id) =>
    `لم أجد ${id ? `التذكرة ${id}` : 'هذه التذكرة'} في حسابك. يُرجى التحقق من الرقم (بصيغة T-1001).`,
  ticketStatus: (t) => {
    const reply = t.latest_reply ? ` آخر رد: «${t.latest_reply}»` : '';
    return `التذكرة ${t.ticket_id} («${t.subject}») حالتها **${status(t.status)}**. فُتحت في ${date(t.created_at)} وآخر تحديث لها في ${date(t.updated_at ?? t.created_at)}.${reply}`;
  },
  ticketList: (tickets, filter) => {
    if (tickets.length === 0)
      return filter ? `ليست لديك تذاكر بحالة «${status(filter)}».` : 'ليست لديك أي تذاكر لدينا.';
    const lines = tickets.map(
      (t) =>
        `- ${t.ticket_id} «${t.subject}»: **${status(t.status)}**${t.updated_at ? `، آخر تحديث في ${date(t.updated_at)}` : ''}`,
    );
    const which = filter ? ` بحالة «${status(filter)}»` : '';
    return `لديك ${tickets.length === 1 ? 'تذكرة واحدة' : `${tickets.length} تذاكر`}${which}:\n${lines.join('\n')}`;
  },
  contact: (c) =>
    `${c.name ? `أنت مسجّل الدخول باسم ${c.name}. ` : ''}بريدك الإلكتروني المسجل لدينا: ${c.email ?? 'غير مسجل'}، ورقم هاتفك: ${phoneText(c.phone) ?? 'غير مسجل'}.`,
  topicChoice: (tickets) =>
    `قد تطابق أكثر من تذكرة من تذاكرك: ${tickets.map((t) => `${t.ticket_id} «${t.subject}»`).join('، ')}.`,
  topicNone: 'لم أجد تذكرة لك بهذا الموضوع.',
  notUnderstood: `عذرًا، لم أفهم ذلك. ${MENU}`,
  phoneUpdated: (phone) => `تم! رقم هاتفك الآن ${phoneText(phone) ?? 'محدَّث'}.`,
  phoneUnchanged: (phone) =>
    `${phoneText(phone) ?? 'هذا الرقم'} هو رقم هاتفك المسجل بالفعل، فلم يلزم أي تغيير.`,
  ticketCreated: (id, subject, existing) =>
    existing
      ? `سبق أن فتحت التذكرة ${id}${subject ? ` («${subject}»)` : ''} بهذا الشأن؛ فريقنا يعمل عليها.`
      : `فتحت التذكرة ${id}${subject ? ` («${subject}»)` : ''}. سيرد عليك فريقنا قريبًا.`,
  commentAdded: (id) => `أضفت تعليقك إلى التذكرة ${id}.`,
  ticketClosed: (id) =>
    `${id ? `التذكرة ${id} مغلقة` : 'هذه التذكرة مغلقة'}، لذا لا يمكنني الإضافة إليها. هل تريد أن أفتح تذكرة ليتابعها شخص من فريقنا؟`,
  confirmationInvalid: 'لم يكتمل هذا التأكيد، لذا لم يتم تغيير أي شيء. يُرجى الطلب مجددًا.',
  invalidArgument: 'كان جزء من هذا الطلب غير صالح، لذا لم يتم تغيير أي شيء.',
  generic: 'عذرًا، تعذّر عليّ ذلك الآن. يُرجى المحاولة مجددًا بعد قليل.',
  date,
};
