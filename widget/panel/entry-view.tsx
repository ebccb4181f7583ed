import type { Locale } from '../types.js';
import type { Conversation } from './conversation.js';
import { cleanText, type Entry } from './entries.js';
import { StatusLine } from './handoff-view.js';
import { formatTime, type Strings } from './i18n.js';
import { Markdown } from './markdown-view.js';

interface Props {
  entry: Entry;
  conv: Conversation;
  t: Strings;
  locale: Locale;
}

/**
 * One item of the message list. A streaming reply is aria-hidden and keyed apart from its stored
 * message, so screen readers hear each reply once, whole, when it completes — not every delta.
 */
export function EntryView({ entry: e, conv, t, locale }: Props) {
  switch (e.kind) {
    case 'msg':
    case 'pending': {
      if (e.kind === 'msg' && e.role === 'status')
        return <StatusLine event={e.text} name={e.name} locale={locale} />;
      const person = e.kind === 'msg' && e.role === 'operator' ? cleanText(e.name ?? '') : '';
      const role = e.kind === 'msg' ? (e.role === 'operator' ? 'assistant' : e.role) : 'visitor';
      return (
        <div class={`row ${role}${e.kind === 'pending' ? ' pending' : ''}`}>
          <div class="bubble">
            {person && (
              <span class="who" aria-hidden="true">
                {person}
              </span>
            )}
            <span class="sr-only">{role === 'visitor' ? t.you : person || t.assistant}: </span>
            {/* Its own dir="auto", so the localized "You:" label doesn't set the text's direction. */}
            <div dir="auto">
              {role === 'assistant' && !person ? <Markdown text={e.text} /> : <p>{cleanText(e.text)}</p>}
            </div>
          </div>
          <div class="meta">
            {e.kind === 'msg' ? (
              <time dateTime={e.at}>{formatTime(e.at, locale)}</time>
            ) : e.error ? (
              <>
                <span class="failed">
                  {t.notSent}: {e.error}
                </span>{' '}
                <button type="button" class="link" onClick={() => conv.retry(e.clientId)}>
                  {t.retry}
                </button>
              </>
            ) : e.waiting ? (
              <span class="waiting">{t.waiting}</span>
            ) : (
              <span>{t.sending}</span>
            )}
          </div>
        </div>
      );
    }
    case 'stream':
      // Until the first words arrive the typing indicator stands in for the reply.
      if (!e.text) return null;
      return (
        <div class="row assistant streaming" aria-hidden="true">
          <div class="bubble" dir="auto">
            <Markdown text={e.text} />
          </div>
        </div>
      );
    case 'tool':
      return (
        <div class={`chip ${e.status}`}>
          <span class="dot" aria-hidden="true" />
          <span dir="auto">{cleanText(e.label)}</span>
        </div>
      );
    case 'confirm': {
      const done = e.choice !== null || e.outcome !== 'pending';
      const result =
        e.outcome === 'accepted'
          ? t.accepted
          : e.outcome === 'declined'
            ? t.declined
            : e.outcome === 'expired'
              ? t.expired
              : e.outcome === 'withdrawn'
                ? t.withdrawn
                : '';
      return (
        <fieldset class="card">
          <legend class="sr-only">{t.confirm}</legend>
          <p class="summary" dir="auto">
            {cleanText(e.summary)}
          </p>
          <div class="actions">
            <button
              type="button"
              class="primary"
              disabled={done}
              onClick={() => conv.answer(e.confirmId, true)}
            >
              {t.confirm}
            </button>
            <button type="button" disabled={done} onClick={() => conv.answer(e.confirmId, false)}>
              {t.cancel}
            </button>
          </div>
          {result && <p class={`outcome ${e.outcome}`}>{result}</p>}
        </fieldset>
      );
    }
    case 'notice':
      return (
        <div class="notice" dir="auto">
          {cleanText(e.text)}
        </div>
      );
  }
}
