import type { IntentKind } from './intents.js';

/**
 * High-precision wordings in Spanish, German, French and Arabic (issue #14), matched against folded
 * text (fold.ts: lower case, no accents, Arabic letter variants unified), so "número" and "numero",
 * "tschüss" and "tschuss" read alike. Chosen over nlp.js language packs: see docs/agent.md. Each
 * pattern fires only on wording that leaves little doubt; the order of intents is the one of
 * intents.ts. Arabic has no `\b` (JavaScript's word boundary is ASCII), so its patterns are plain.
 */
export const LEXICON: Partial<Record<IntentKind, readonly RegExp[]>> = {
  secrets: [
    /\b(prompt del sistema|tus instrucciones|claves? de api|system ?prompt|deine anweisungen|api-?schlussel|tes instructions|cles? d'api)\b/,
    /(تعليماتك|مفتاح api|مفاتيح api)/,
  ],
  human: [
    /\b(una persona|un humano|persona real|un agente|un operador|alguien real|atencion al cliente|un empleado)\b/,
    /\b(menschen?|echten person|mitarbeiter(in)?|kundendienst|kundenservice|einem berater)\b/,
    /\b(une personne|un humain|un etre humain|un agent|un conseiller|un operateur|service client|une vraie personne)\b/,
    /(شخص|انسان|موظف|خدمه العملاء|بشري|وكيل)/,
  ],
  comment: [
    /\b(anadir|agregar|anade|agrega|dejar|deja|escribir|poner)\b.{0,40}\b(comentario|nota)\b|\bcomentar\b/,
    /\b(kommentar|notiz|anmerkung)\b.{0,40}\b(hinzufugen|schreiben|anhangen|erganzen)|\b(hinzufugen|erganzen|anhangen)\b.{0,30}\b(kommentar|notiz)\b|\bkommentieren\b/,
    /\b(ajouter|ajoute|laisser|ecrire|mettre)\b.{0,40}\b(commentaire|note)\b|\bcommenter\b/,
    /(اضافه|اضف|اكتب|ارفق|ضع).{0,30}(تعليق|ملاحظه)|تعليق علي/,
  ],
  update_phone: [
    /\b(cambiar|actualizar|cambia|actualiza|modificar|corregir|nuevo)\b.{0,30}\b(telefono|numero|movil|celular)\b|\b(telefono|movil|numero) nuevo\b|\bmi (numero|telefono|movil) (ha cambiado|cambio|es ahora)\b/,
    /\b(telefonnummer|handynummer|mobilnummer|nummer|telefon|handy)\b.{0,30}\b(andern|aktualisieren|ersetzen|korrigieren|geandert)\b|\b(andern|aktualisieren|ersetzen|korrigieren|neue)\b.{0,30}\b(telefonnummer|handynummer|mobilnummer|nummer|telefon|handy)\b/,
    /\b(changer|modifier|mettre a jour|corriger|remplacer|nouveau)\b.{0,30}\b(telephone|numero|portable|mobile)\b|\bmon (numero|telephone|portable) a change\b/,
    /(تغيير|تحديث|تعديل|غير|حدث|استبدال).{0,20}(رقم|هاتف|جوال|موبايل)|(رقمي|هاتفي|جوالي) (الجديد|تغير)/,
  ],
  create_ticket: [
    /\b(abrir|crear|abre|crea|presentar|registrar|poner)\b.{0,20}\b(ticket|caso|incidencia|reclamacion|queja|solicitud)\b|\b(reportar|informar de) (un|una) (problema|incidencia|error)\b/,
    /\b(ticket|fall|anfrage|beschwerde|reklamation)\b.{0,30}\b(eroffnen|erstellen|anlegen|aufmachen|einreichen)\b|\b(eroffnen|erstellen|anlegen|aufmachen)\b.{0,20}\b(ticket|fall|anfrage)\b|\bproblem melden\b/,
    /\b(ouvrir|creer|ouvre|cree|deposer)\b.{0,20}\b(ticket|dossier|demande|reclamation|plainte)\b|\bsignaler un (probleme|souci)\b/,
    /(فتح|انشاء|افتح|انشئ|تقديم|قدم).{0,15}(تذكره|طلب|شكوي|بلاغ)/,
  ],
  list_tickets: [
    /\b(mis|todos mis)\b.{0,10}\b(tickets|casos|incidencias|solicitudes|reclamaciones)\b|\bque tickets\b/,
    /\b(meine|alle meine)\b.{0,10}\b(tickets|falle|anfragen|beschwerden)\b|\bwelche tickets\b/,
    /\b(mes|tous mes)\b.{0,10}\b(tickets|dossiers|demandes|reclamations)\b|\bquels tickets\b/,
    /(تذاكري|طلباتي|شكاواي)/,
  ],
  ticket_status: [
    /\b(ticket|caso|incidencia|solicitud|reclamacion|problema|pedido)\b.{0,40}\b(estado|novedad(es)?|como va|avance|progreso)\b|\b(estado|novedad(es)?|noticias) (de|del|sobre|con|en)\b|\b(en que|como) va\b/,
    /\b(ticket|fall|anfrage|beschwerde|problem|bestellung)\b.{0,40}\b(status|stand|neuigkeiten|neues|fortschritt)\b|\b(status|stand|neuigkeiten|neues) (von|vom|zu|zum|zur|meines|meiner|bei|uber)\b|\b(neuen|aktuellen) stand\b|\bwas ist aus\b.{0,40}\bgeworden\b/,
    /\b(ticket|dossier|demande|reclamation|probleme|commande)\b.{0,40}\b(statut|etat|nouvelles?|avancement)\b|\b(statut|etat|du nouveau|des nouvelles|ou en est)\b.{0,30}\b(ticket|dossier|demande|probleme|commande|de|du|sur)\b/,
    /(حاله|وضع|جديد|مستجدات|اخبار|تحديث).{0,30}(تذكره|طلب|شكوي|مشكله)|(تذكره|طلب|مشكله).{0,30}(حاله|وضع|جديد|مستجدات)/,
  ],
  contact: [
    /\b(datos de contacto|mis datos|mi (correo|email|telefono)|que (correo|email|telefono|numero|datos) tienen|con (que|cual) cuenta|quien soy|sesion iniciada como|iniciado sesion)\b/,
    /\b(kontaktdaten|meine daten|meine (e-?mail|telefonnummer)|welche (e-?mail|telefonnummer|nummer|daten)|als wer bin ich|angemeldet als|welchem konto|wer bin ich)\b/,
    /\b(coordonnees|mes informations|mon (e-?mail|adresse|numero)|quel(le)? (e-?mail|adresse|numero)|quel compte|suis-je connecte|connecte en tant que|qui suis-je)\b/,
    /(بيانات الاتصال|معلومات الاتصال|بياناتي|بريدي|ايميلي|اي حساب|من انا|رقمي المسجل|(البريد الالكتروني|رقم الهاتف|الاسم) المسجل)/,
  ],
  thanks: [
    /^\s*((vale|ok|genial|super|perfecto|gut|prima|parfait|d'accord)[,!.\s]+)?(gracias|muchas gracias|mil gracias|danke|vielen dank|dankeschon|merci)\b/,
    /^\s*(شكرا|مشكور|متشكر)/,
  ],
  bye: [
    /^\s*(adios|hasta luego|hasta pronto|chao|eso es todo|tschuss|auf wiedersehen|bis bald|au revoir|a bientot|bonne journee|c'est tout|مع السلامه|وداعا|الي اللقاء)/,
  ],
  greeting: [
    /^\s*(hola|buenas|buenos dias|buenas tardes|buenas noches|hallo|guten (morgen|tag|abend)|servus|moin|bonjour|bonsoir|salut|coucou|مرحبا|اهلا|السلام عليكم|صباح الخير|مساء الخير)[\s!.,?]*$/,
  ],
  help: [
    /\b(que puedes hacer|en que (me )?puedes ayudar|ayudame|opciones|was kannst du|was konnen sie|wobei (kannst du|konnen sie)|hilfe|que peux-tu faire|que pouvez-vous faire|qu'est-ce que (tu peux|vous pouvez) faire|aide-moi)\b/,
    /(ماذا يمكنك|ما الذي يمكنك|كيف يمكنك مساعدتي|بماذا يمكنك)/,
  ],
};

/** Yes, no and cancel in every locale (folded text). */
export const YES =
  /^\s*(yes|yeah|yep|yup|sure|ok|okay|please|please do|go ahead|do it|y|si|claro|vale|de acuerdo|por favor|ja|gerne|klar|oui|d'accord|bien sur|volontiers|نعم|اجل|حسنا|موافق|تمام)\b/;
export const NO =
  /^\s*(no|nope|nah|not now|no thanks|n|no gracias|ahora no|nein|nein danke|non|non merci|pas maintenant|لا)\b/;
export const CANCEL =
  /^\s*(cancel|never ?mind|forget (it|that)|stop|abort|don'?t bother|cancelar|cancela|olvidalo|dejalo|abbrechen|vergiss es|egal|stopp|annuler|annule|laisse tomber|oublie|الغاء|الغ|انس الامر|توقف)/;
