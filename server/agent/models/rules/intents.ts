import { intentClassifier } from './classifier.js';
import { normalize } from './normalize.js';

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
  by: 'rule' | 'classifier' | 'fallback';
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
    /\b(human|real person|representative|live agent|an agent|a person|someone real|real someone|operator|staff member)\b|\b(talk|speak|chat)\s+(to|with)\s+(a |an |some )?(person|someone|agent|people)\b/,
  ],
  [
    'comment',
    /\b(add|post|leave|put|attach|append|write)\b.{0,40}\b(comment|note|message|reply)\b|\bcomment on\b/,
  ],
  [
    'update_phone',
    /\b(change|update|new|replace|correct|fix|edit|set|switch)\b.{0,30}\b(phone|number|mobile|cell|telephone)\b|\b(phone|mobile|cell|number)\b.{0,20}\b(changed|is now|has changed|moved)\b|\bnew (phone|mobile|number)\b/,
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
    /\b(ticket|case|request|complaint)\b.{0,40}\b(status|where|update|progress|news|happening)\b|\b(status|progress|news|update) (of|on|for)\b.{0,20}\b(ticket|case|request|complaint)\b|\bt-?\d{1,10}\b/,
  ],
  [
    'contact',
    /\b(what|which)\b.{0,30}\b(e-?mail|phone|number|contact|address|details)\b.{0,30}\b(have|on file|for me|my|registered)\b|\bmy (contact )?(details|e-?mail|email address|phone number|contact info)\b/,
  ],
  ['thanks', /^\s*(thanks|thank you|thx|ty|cheers|great,? thanks|perfect|awesome)\b/],
  ['bye', /^\s*(bye|goodbye|see you|that'?s all|nothing else|no,? that'?s it)\b/],
  ['greeting', /^\s*(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening))\b[\s!.,]*(there)?[\s!.,]*$/],
  ['help', /\b(what can you do|help me|what do you do|options|menu)\b|^\s*help\b/],
];

/** The rule that fires on the text, or null. */
export function ruleIntent(text: string): IntentKind | null {
  const t = normalize(text).toLowerCase();
  for (const [kind, re] of RULES) if (re.test(t)) return kind;
  return null;
}

/** Rules first, then the classifier above its confidence threshold, else out of scope. */
export async function detectIntent(text: string, _locale = 'en'): Promise<Intent> {
  const rule = ruleIntent(text);
  if (rule) return { kind: rule, by: 'rule' };
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

/** "yes", "sure, go ahead" / "no", "not now". */
export function yesNo(text: string): 'yes' | 'no' | null {
  const t = text.toLowerCase().trim();
  if (/^(yes|yeah|yep|yup|sure|ok|okay|please|please do|go ahead|do it|y)\b/.test(t)) return 'yes';
  if (/^(no|nope|nah|not now|no thanks|n)\b/.test(t)) return 'no';
  return null;
}

/** "actually, …", "wait, …", "instead …": the visitor turns to something else. */
export function startsTurnAround(text: string): boolean {
  return /^\s*(actually|wait|hold on|instead|oh,? and|before that|first)\b/i.test(text);
}

/** "cancel", "never mind", "forget it", "stop". */
export function isCancel(text: string): boolean {
  return /^\s*(cancel|never ?mind|forget (it|that)|stop|abort|don'?t bother)\b/i.test(normalize(text));
}
