import { intentClassifier } from '../server/agent/models/rules/classifier.js';
import { type IntentKind, ruleIntent } from '../server/agent/models/rules/intents.js';
import { normalize } from '../server/agent/models/rules/normalize.js';

/**
 * Phrasings written apart from the rules and the training examples (none of them appears in
 * either), to measure how the two stages of the rules model do on wording they were not built on.
 */
export const HELD_OUT: [string, IntentKind][] = [
  ['yo, anybody there?', 'greeting'],
  ['what sort of stuff can you sort out for me', 'help'],
  ['did somebody already look into the issue I raised', 'ticket_status'],
  ['is there any movement on my complaint', 'ticket_status'],
  ['remind me which requests I have with you', 'list_tickets'],
  ['how many open cases do I have', 'list_tickets'],
  ['which address will you email me at', 'contact'],
  ['what do you have stored about me', 'contact'],
  ['I switched carriers and got another number', 'update_phone'],
  ['please swap the number on my profile', 'update_phone'],
  ['my package showed up broken', 'create_ticket'],
  ['I was billed two times for one order', 'create_ticket'],
  ['I have more details for my open request', 'comment'],
  ['can you pass a message to whoever handles my case', 'comment'],
  ['this bot is useless, get me a real human being', 'human'],
  ['I would rather chat with staff', 'human'],
  ['appreciate it', 'thanks'],
  ['ok that is everything, bye now', 'bye'],
  ['can you recommend a good movie', 'out_of_scope'],
  ['how tall is mount everest', 'out_of_scope'],
  ['order me a pizza', 'out_of_scope'],
];

/** Accuracy of the rules alone, the classifier alone, and rules then classifier. */
export async function heldOutScores(): Promise<{
  rules: number;
  classifier: number;
  both: number;
  total: number;
}> {
  const classifier = await intentClassifier();
  let rules = 0;
  let alone = 0;
  let both = 0;
  for (const [text, want] of HELD_OUT) {
    const rule = ruleIntent(text);
    const guess = (await classifier.classify(normalize(text)))?.intent ?? 'out_of_scope';
    if ((rule ?? 'out_of_scope') === want) rules++;
    if (guess === want) alone++;
    if ((rule ?? guess) === want) both++;
  }
  return { rules, classifier: alone, both, total: HELD_OUT.length };
}
