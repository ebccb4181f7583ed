/**
 * Light typo repair before the rules run: a word of 4+ letters one edit (or one swap of neighbours)
 * away from a word the rules key on is read as that word ("nmuber" → "number"). Short words and
 * anything with digits are left alone, so ticket ids, phones and emails pass through untouched.
 */
const VOCABULARY = [
  'ticket',
  'tickets',
  'status',
  'number',
  'phone',
  'mobile',
  'change',
  'changed',
  'updated',
  'moved',
  'update',
  'comment',
  'human',
  'person',
  'someone',
  'agent',
  'representative',
  'email',
  'address',
  'details',
  'contact',
  'please',
  'thanks',
  'thank',
  'hello',
  'create',
  'open',
  'report',
  'problem',
  'issue',
  'cancel',
  'never',
  'mind',
  'where',
  'what',
  'list',
  'show',
  'complaint',
  'order',
  'account',
  'refund',
  'note',
  'add',
  'help',
  'goodbye',
  'check',
  'about',
  'new',
  'case',
  'request',
  'real',
  'talk',
  'speak',
  'file',
  'raise',
  'record',
  'information',
  'happening',
  'progress',
  'tell',
  'solved',
  'closed',
  'pending',
];
/** Common words one edit from a keyword ("that" → "what", "last" → "list") that must stay as typed. */
const COMMON = [
  'that',
  'this',
  'with',
  'have',
  'from',
  'your',
  'they',
  'when',
  'then',
  'there',
  'here',
  'want',
  'need',
  'like',
  'just',
  'know',
  'mine',
  'none',
  'into',
  'more',
  'some',
  'time',
  'been',
  'will',
  'would',
  'could',
  'should',
  'does',
  'done',
  'make',
  'made',
  'over',
  'only',
  'also',
  'back',
  'still',
  'well',
  'very',
  'much',
  'many',
  'were',
  'them',
  'than',
  'less',
  'sent',
  'send',
  'said',
  'same',
  'told',
  'take',
  'took',
  'call',
  'home',
  'work',
  'last',
  'lost',
  'test',
  'best',
  'must',
  'most',
  'post',
  'deal',
  'hell',
  'cast',
  'shoe',
  'snow',
  'news',
  'mail',
  'note',
  'notes',
  'nope',
  'phones',
  'hold',
  'told',
  'sure',
  'other',
  'where',
  'whats',
  'theres',
  'order',
  'orders',
  'states',
  'statue',
  'number',
  'numbers',
  'person',
  'people',
  'human',
  'humans',
  'tickets',
];
const KNOWN = new Set([...VOCABULARY, ...COMMON]);
const BY_LENGTH = new Map<number, string[]>();
for (const w of VOCABULARY) BY_LENGTH.set(w.length, [...(BY_LENGTH.get(w.length) ?? []), w]);

/** Damerau distance ≤ 1 between two words, without building a matrix. */
function withinOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** "changed", "tickets", "updating": a keyword with an ending is already right. */
function inflected(lower: string): boolean {
  return (
    ['s', 'es', 'd', 'ed', 'ing', 'er'].some(
      (end) => lower.endsWith(end) && KNOWN.has(lower.slice(0, -end.length)),
    ) ||
    (lower.endsWith('ing') && KNOWN.has(`${lower.slice(0, -3)}e`))
  );
}

function repair(word: string): string {
  const lower = word.toLowerCase();
  if (lower.length < 4 || KNOWN.has(lower) || /[^a-z]/.test(lower) || inflected(lower)) return word;
  for (const len of [lower.length, lower.length - 1, lower.length + 1]) {
    for (const candidate of BY_LENGTH.get(len) ?? []) if (withinOne(lower, candidate)) return candidate;
  }
  return word;
}

/** The text with keyword typos repaired; everything else kept as typed. */
export function normalize(text: string): string {
  return text.replace(/[A-Za-z]+/g, repair);
}
