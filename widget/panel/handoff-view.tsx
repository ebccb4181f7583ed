import type { Locale } from '../types.js';
import { cleanText } from './entries.js';
import { statusText, typingText } from './handoff-strings.js';

/** A handoff line in the log ("Sam joined the conversation"); unknown events render nothing. */
export function StatusLine({
  event,
  name,
  locale,
}: {
  event: string;
  name?: string | undefined;
  locale: Locale;
}) {
  const text = statusText(locale, event, cleanText(name ?? ''));
  return text ? (
    <div class="notice handoff" dir="auto">
      {text}
    </div>
  ) : null;
}

/** "Sam is typing…": a person, so words rather than the bot's dots. */
export function TypingLine({ name, locale }: { name: string; locale: Locale }) {
  return (
    <div class="notice handoff typing-person" dir="auto">
      {typingText(locale, cleanText(name))}
    </div>
  );
}
