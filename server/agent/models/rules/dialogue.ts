import type { ChatMessage } from '../../model.js';
import { allStrings, type PromptId } from './strings.js';

export type Flow = 'status' | 'phone' | 'create' | 'comment' | 'handoff' | 'offer';

/** A slot-filling conversation in progress: which flow, what was asked last, what is known. */
export interface DialogueState {
  flow: Flow;
  awaiting: PromptId;
  /** Raw visitor answers per slot, in the order given; the decider extracts values from them. */
  answers: Partial<Record<PromptId, string>>;
  /** The visitor message that started the flow (it may already carry slots). */
  opener: string;
}

const FLOW_OF: Record<PromptId, Flow> = {
  ask_ticket_id: 'status',
  ask_phone: 'phone',
  ask_subject: 'create',
  ask_description: 'create',
  ask_email: 'create',
  ask_comment_ticket: 'comment',
  ask_comment_body: 'comment',
  ask_handoff: 'handoff',
  offer_ticket: 'offer',
};

/**
 * What promptIn found per assistant text: a conversation's earlier replies are searched again on
 * every step of every turn (every prompt of every locale each time), and replies repeat. Bounded;
 * texts too long to be worth keeping are searched each time.
 */
const FOUND = new Map<string, PromptId | null>();
const FOUND_MAX = 2000;
const FOUND_TEXT_MAX = 1000;

/** The prompt an assistant message ends with (in any locale), or null. */
export function promptIn(text: string): PromptId | null {
  const known = FOUND.get(text);
  if (known !== undefined) return known;
  const found = searchPrompt(text);
  if (text.length <= FOUND_TEXT_MAX) {
    if (FOUND.size >= FOUND_MAX) FOUND.clear();
    FOUND.set(text, found);
  }
  return found;
}

function searchPrompt(text: string): PromptId | null {
  for (const strings of allStrings()) {
    let best: { id: PromptId; at: number } | null = null;
    for (const [id, prompt] of Object.entries(strings.prompts) as [PromptId, string][]) {
      const at = text.lastIndexOf(prompt);
      if (at >= 0 && (!best || at > best.at)) best = { id, at };
    }
    if (best) return best.id;
  }
  return null;
}

/**
 * The dialogue state before the latest visitor message, recovered from the conversation itself:
 * replaying the stored messages gives the same state after a server restart as before it. Any
 * assistant message without a slot prompt ends a flow.
 */
export function dialogueState(messages: readonly ChatMessage[]): DialogueState | null {
  let lastUser = messages.length - 1;
  while (lastUser >= 0 && messages[lastUser]?.role !== 'user') lastUser--;
  let state: DialogueState | null = null;
  let previousUser = '';
  for (let i = 0; i < lastUser; i++) {
    const m = messages[i];
    if (!m) continue;
    if (m.role === 'user') {
      state = answered(state, m.text);
      previousUser = m.text;
    } else if (m.role === 'assistant' && !m.toolCalls?.length) {
      state = asked(state, promptIn(m.text), previousUser);
    }
  }
  return state;
}

function answered(state: DialogueState | null, text: string): DialogueState | null {
  if (!state) return null;
  return { ...state, answers: { ...state.answers, [state.awaiting]: text } };
}

function asked(state: DialogueState | null, prompt: PromptId | null, opener: string): DialogueState | null {
  if (!prompt) return null;
  if (state && FLOW_OF[prompt] === state.flow) return { ...state, awaiting: prompt };
  return { flow: FLOW_OF[prompt], awaiting: prompt, answers: {}, opener };
}
