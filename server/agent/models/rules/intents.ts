import { intentClassifier } from './classifier.js';
import { fold } from './fold.js';
import { CANCEL, LEXICON, NO, YES } from './lexicon.js';
import { normalize } from './normalize.js';
import { looksLikePhone } from './slots.js';

export type IntentKind =
  | 'greeting'
  | 'help'
  | 'ticket_status'
  | 'list_tickets'
  | 'contact'
  | 'update_phone'
  | 'create_ticket'
  | 'comment'
  | 'human'
  | 'thanks'
  | 'bye'
  | 'secrets'
  | 'out_of_scope';

export interface Intent {
  kind: IntentKind;
  /** Which stage decided: a high-precision rule, the classifier, or neither (out of scope). */
  by: 'rule' | 'problem' | 'classifier' | 'fallback';
}

/**
 * High-precision rules, tried in order: each fires only on wording that leaves little doubt. The
 * order matters where wordings overlap ("add a comment to ticket T-1" is a comment, not a status).
 */
const RULES: readonly [IntentKind, RegExp][] = [
  [
    'secrets',
    /\b(system prompt|your (instructions|prompt|rules|configuration)|api[ -]?keys?|secret keys?|reveal your|print your)\b/,
  ],
  [
    'human',
    /\b(human|real person|representative|live agent|an agent|a person|someone real|real someone|operator|staff( member)?|customer (service|support)|put me through)\b|\b(talk|speak|chat)\s+(to|with)\s+(a |an |some )?(person|someone|agent|people)\b/,
  ],
  [
    'comment',
    /\b(add|post|leave|put|attach|append|write)\b.{0,40}\b(comment|note|message|reply)\b|\bcomment on\b|\b(add|append)\b.{0,30}\b(to|on) (my |the |this )?(ticket|case|request|t-?\d)/,
  ],
  [
    'update_phone',
    /\b(change|update|new|replace|correct|fix|edit|set|switch|swap)\b.{0,30}\b(phone|number|mobile|cell|telephone)\b|\b(phone|mobile|cell|number)\b.{0,20}\b(changed|is now|has changed|moved)\b|\bnew (phone|mobile|number)\b|\b(reach|call|text|contact) me (on|at)\b.{0,12}\+?\d|\bput\b.{0,6}\+?\d[\d ()-]{6,}.{0,20}\b(account|profile|file)\b/,
  ],
  [
    'create_ticket',
    /\b(open|create|file|raise|submit|start|log|make)\b.{0,20}\b(a |an |new )?(ticket|case|complaint|support request)\b|\breport (a|an) (problem|issue|bug)\b/,
  ],
  [
    'list_tickets',
    /\b(list|show|see|all)\b.{0,20}\btickets\b|\bmy (open |pending |solved |closed )?tickets\b|\bwhich tickets\b/,
  ],
  [
    'ticket_status',
    /\b(ticket|case|request|complaint)\b.{0,40}\b(status|where|update|progress|news|happening)\b|\b(get|got|been|is|was|it)\b.{0,6}\b(sorted|resolved|solved|fixed|handled)\b|\b(any|an) (update|news|progress) (on|about|regarding)\b|\b(status|progress|news|update) (of|on|for)\b.{0,20}\b(ticket|case|request|complaint)\b|\bt-?\d{1,10}\b/,
  ],
  [
    'contact',
    /\bwho am i\b|\b(signed|logged) in as\b|\bwhich account\b.{0,20}\b(signed|logged|am i)\b|\b(what|which)\b.{0,30}\b(name|e-?mail|phone|number|contact|address|details)\b.{0,30}\b(have|on file|for me|my|registered|on (this|my) account)\b|\bmy (contact )?(details|e-?mail|email address|phone number|contact info)\b/,
  ],
  [
    'thanks',
    /^\s*((ok|okay|great|super|perfect|vale|genial|gut|parfait|d'accord)[,!.\s]+)?(thanks|thank you|thx|ty|ta|cheers|perfect|awesome)\b/,
  ],
  ['bye', /^\s*(bye|goodbye|see you|that'?s all|nothing else|no,? that'?s it)\b/],
  ['greeting', /^\s*(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening))\b[\s!.,]*(there)?[\s!.,]*$/],
  ['help', /\b(what can you do|help me|what do you do|options|menu)\b|^\s*help\b/],
];

const CHANGED =
  /\b(new|changed|switched|nuevo|nueva|cambiado|cambie|neue|neuen|geandert|nouveau|nouvelle|change)\b|(جديد|تغير|غيرت)/;

/** Each intent's wordings in the other languages as one pattern: one scan instead of four. */
const OTHER_LANGUAGES = new Map(
  Object.entries(LEXICON).map(([kind, list]) => [
    kind,
    new RegExp(list.map((r) => `(?:${r.source})`).join('|')),
  ]),
);

/** A problem reported in so many words ("my package showed up broken", "me cobraron dos veces"). */
const PROBLEM: readonly RegExp[] = [
  /\b(broken|damaged|cracked|defective|faulty|never (arrived|came|showed up)|didn'?t (arrive|come)|(doesn'?t|does not|isn'?t|not) work(ing)?|(charged|billed) (twice|two times|double)|wrong (item|size|colou?r|order|amount))\b/,
  /\b(roto|rota|danado|danada|defectuoso|no (ha )?llegado|no funciona|me (cobraron|han cobrado) dos veces)\b/,
  /\b(kaputt|beschadigt|defekt|nicht angekommen|funktioniert nicht|doppelt (berechnet|abgebucht))\b/,
  /\b(casse|cassee|endommage|endommagee|defectueux|jamais arrive|pas arrive|ne fonctionne pas|ne marche pas|facture deux fois|debite deux fois)\b/,
  /(مكسور|تالف|معطل|لم يصل|لا يعمل|خصم مرتين)/,
];

/**
 * The rule that fires on the text, or null. Every language's wordings are tried whatever the
 * widget's locale (a Spanish page gets English questions too), in the order of RULES.
 */
export function ruleIntent(text: string): IntentKind | null {
  const known = RULED.get(text);
  if (known !== undefined) return known;
  const kind = matchRules(text);
  remember(RULED, text, kind);
  return kind;
}

function matchRules(text: string): IntentKind | null {
  // English typo repair only for the English rules: it would turn "persona" into "person".
  const en = fold(normalize(text));
  const t = fold(text);
  for (const [kind, re] of RULES) {
    if (re.test(en) || OTHER_LANGUAGES.get(kind)?.test(t)) return kind;
  }
  return null;
}

/**
 * The latest answers per text. One visitor message is classified three or four times in a turn
 * (the handoff guard, the rules model's decision, its follow-up after a tool result), every rule of
 * every language each time; the answer depends on the text (and locale) alone.
 */
const RULED = new Map<string, IntentKind | null>();
const DETECTED = new Map<string, Intent>();
const REMEMBERED = 256;
const REMEMBERED_TEXT = 2000;

function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (key.length > REMEMBERED_TEXT) return;
  if (memo.size >= REMEMBERED) memo.delete(memo.keys().next().value as string);
  memo.set(key, value);
}

/**
 * Rules first, then (for English) the classifier above its confidence threshold, else out of scope.
 * The classifier is trained on English only: on other languages its guesses are noise, so there an
 * unmatched message gets the menu in the visitor's language instead of a wrong action.
 */
export async function detectIntent(text: string, locale = 'en'): Promise<Intent> {
  const key = `${locale}\u0000${text}`;
  const known = DETECTED.get(key);
  if (known) return known;
  const intent = await classify(text, locale);
  remember(DETECTED, key, intent);
  return intent;
}

async function classify(text: string, locale: string): Promise<Intent> {
  const rule = ruleIntent(text);
  if (rule) return { kind: rule, by: 'rule' };
  // A phone number given with a word of change, in any language, is a new number.
  if (looksLikePhone(text) && CHANGED.test(fold(text))) return { kind: 'update_phone', by: 'rule' };
  // A problem told without asking for anything is what a ticket is for.
  const folded = fold(text);
  if (PROBLEM.some((re) => re.test(folded))) return { kind: 'create_ticket', by: 'problem' };
  if (!locale.toLowerCase().startsWith('en') && !looksEnglish(text))
    return { kind: 'out_of_scope', by: 'fallback' };
  const guess = await (await intentClassifier()).classify(normalize(text));
  if (guess && isIntentKind(guess.intent)) return { kind: guess.intent, by: 'classifier' };
  return { kind: 'out_of_scope', by: 'fallback' };
}

const KINDS = new Set<string>([
  'greeting',
  'help',
  'ticket_status',
  'list_tickets',
  'contact',
  'update_phone',
  'create_ticket',
  'comment',
  'human',
  'thanks',
  'bye',
  'secrets',
  'out_of_scope',
]);

function isIntentKind(s: string): s is IntentKind {
  return KINDS.has(s);
}

/** A message with a few common English words and no other script: the classifier may read it. */
function looksEnglish(text: string): boolean {
  const t = fold(text);
  return !/[^ -~]/.test(t) && /\b(my|me|i|the|you|is|what|can|please|with|to|a)\b/.test(t);
}

/** "yes", "sure, go ahead" / "no", "not now", in every locale. */
export function yesNo(text: string): 'yes' | 'no' | null {
  const t = fold(text);
  // Arabic "لا" has no ASCII word boundary after it: check it as a whole word by hand.
  if (/^لا(\s|$|[!.,])/.test(t)) return 'no';
  if (YES.test(t)) return 'yes';
  if (NO.test(t)) return 'no';
  return null;
}

/** "actually, …", "wait, …", "instead …": the visitor turns to something else. */
export function startsTurnAround(text: string): boolean {
  return /^\s*(actually|wait|hold on|instead|oh,? and|before that|first)\b/i.test(text);
}

/** "cancel", "never mind", "forget it", "stop". */
export function isCancel(text: string): boolean {
  return CANCEL.test(fold(normalize(text)));
}
