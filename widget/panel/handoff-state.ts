import type { StoredMessage } from './storage.js';

/**
 * Whether a person (not the bot) answers now, from the last handoff line: queued or joined → the
 * bot is silent, so the outbox must not wait for a bot reply before sending the next message.
 */
export function personAnswers(messages: readonly StoredMessage[]): boolean {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === 'status') return m.text === 'joined' || m.text.startsWith('queued:');
  }
  return false;
}
