import { describe, expect, it } from 'vitest';
import { personAnswers } from '../../widget/panel/handoff-state.js';
import { statusText, typingText } from '../../widget/panel/handoff-strings.js';
import type { Locale } from '../../widget/types.js';

const LOCALES: Locale[] = ['en', 'es', 'de', 'fr', 'ar'];
const msg = (role: 'visitor' | 'assistant' | 'operator' | 'status', text: string, seq: number) => ({
  seq,
  id: `m${seq}`,
  role,
  text,
  at: '2026-12-01T10:00:00Z',
});

describe('widget handoff lines', () => {
  it('words every status event in each of the five locales, with the name and the wait', () => {
    for (const locale of LOCALES) {
      expect(statusText(locale, 'joined', 'Sam'), locale).toContain('Sam');
      expect(statusText(locale, 'left', 'Sam'), locale).toContain('Sam');
      expect(statusText(locale, 'resolved', 'Sam'), locale).toContain('Sam');
      expect(statusText(locale, 'queued:4'), locale).toContain('4');
      expect(statusText(locale, 'offline'), locale).toBeTruthy();
      expect(typingText(locale, 'Sam'), locale).toContain('Sam');
    }
    expect(statusText('en', 'joined', 'Sam')).toBe('Sam joined the conversation');
    expect(statusText('en', 'queued:3')).toBe('Waiting for a person — about 3 min');
  });

  it('renders nothing for an event it does not know', () => {
    expect(statusText('en', 'something_new', 'Sam')).toBeNull();
  });

  it('knows when a person answers, so the outbox does not wait for the bot', () => {
    expect(personAnswers([msg('visitor', 'hi', 1), msg('assistant', 'hello', 2)])).toBe(false);
    expect(personAnswers([msg('status', 'queued:2', 1)])).toBe(true);
    expect(
      personAnswers([msg('status', 'queued:2', 1), msg('status', 'joined', 2), msg('operator', 'hi', 3)]),
    ).toBe(true);
    expect(personAnswers([msg('status', 'joined', 1), msg('status', 'left', 2)])).toBe(false);
    expect(personAnswers([msg('status', 'offline', 1)])).toBe(false);
  });
});
