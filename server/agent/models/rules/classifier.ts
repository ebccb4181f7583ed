import { LangEn } from '@nlpjs/lang-en-min';
import { Nlp } from '@nlpjs/nlp';
import { TRAINING } from './training.js';

/** Below this score the classifier's guess is not trusted (then the visitor gets the menu). */
export const CONFIDENCE = 0.7;

export interface IntentGuess {
  intent: string;
  score: number;
}

/** A trained classifier; `classify` answers `null` when it is not confident. */
export interface IntentClassifier {
  classify(text: string): Promise<IntentGuess | null>;
  /** How long training took, in milliseconds (reported by the eval). */
  readonly trainMs: number;
}

async function train(): Promise<IntentClassifier> {
  const started = performance.now();
  const nlp = new Nlp({
    languages: ['en'],
    autoSave: false,
    autoLoad: false,
    nlu: { log: false },
    log: false,
  });
  nlp.use(LangEn);
  for (const [intent, examples] of Object.entries(TRAINING)) {
    for (const example of examples) nlp.addDocument('en', example, intent);
  }
  await nlp.train();
  const trainMs = performance.now() - started;
  return {
    trainMs,
    async classify(text) {
      const r = await nlp.process('en', text.slice(0, 500));
      if (!r.intent || r.intent === 'None' || r.score < CONFIDENCE) return null;
      return { intent: r.intent, score: r.score };
    },
  };
}

// Training is deterministic and the same for every app in the process, so it happens once per
// process (issue #4: the benchmark runs 2,000 turns/s through the rules model), lazily or at boot.
let trained: Promise<IntentClassifier> | null = null;

/** The process's classifier, trained on first use. */
export function intentClassifier(): Promise<IntentClassifier> {
  trained ??= train();
  return trained;
}
