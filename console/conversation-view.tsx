import { useRef, useState } from 'preact/hooks';
import type { ConversationDetail, OperatorInfo } from '../shared/console-protocol.js';
import { type Api, ApiError } from './api.js';
import type { Live } from './live.js';
import { Transcript } from './transcript.js';

interface Props {
  api: Api;
  live: Live;
  me: OperatorInfo;
  detail: ConversationDetail;
  viewers: string[];
  visitorTyping: boolean;
  onChanged(): void;
}

/** One conversation: summary, transcript, the actions, and the composer (reply or private note). */
export function ConversationView({ api, live, me, detail, viewers, visitorTyping, onChanged }: Props) {
  const c = detail.conversation;
  const [note, setNote] = useState(false);
  const [message, setMessage] = useState('');
  const typedAt = useRef(0);
  const input = useRef<HTMLTextAreaElement>(null);
  const mine = c.owner === 'operator' && c.operatorId === me.id;
  const summary = detail.notes.find((n) => n.kind === 'summary');
  const others = viewers.filter((v) => v !== me.name);

  const act = async (path: string, body?: unknown) => {
    setMessage('');
    try {
      await api.call('POST', `/conversations/${c.id}/${path}`, body);
      onChanged();
      return true;
    } catch (err) {
      const owner = err instanceof ApiError ? err.body.owner : null;
      setMessage(
        typeof owner === 'string'
          ? `${owner} has this conversation.`
          : err instanceof Error
            ? err.message
            : 'Failed.',
      );
      onChanged();
      return false;
    }
  };
  const send = async (e: Event) => {
    e.preventDefault();
    const text = input.current?.value.trim();
    if (!text) return;
    if (await act('messages', { text, private: note })) {
      if (input.current) input.current.value = '';
      live.send({ type: 'typing', conversationId: c.id, on: false });
    }
  };
  const typed = () => {
    if (note || !mine || Date.now() - typedAt.current < 3000) return;
    typedAt.current = Date.now();
    live.send({ type: 'typing', conversationId: c.id, on: true });
  };

  return (
    <section class="conversation" aria-labelledby="conversation-title">
      <header>
        <h2 id="conversation-title">{c.customer}</h2>
        <p class="state">
          {c.status === 'resolved'
            ? 'Resolved'
            : c.owner === 'operator'
              ? `Owned by ${mine ? 'you' : c.operatorName}`
              : c.owner === 'queue'
                ? 'Waiting in the queue'
                : 'The bot is answering'}
        </p>
        <p class="presence" aria-live="polite">
          {others.length > 0 ? `${others.join(', ')} ${others.length > 1 ? 'are' : 'is'} viewing` : ''}
        </p>
        <div class="actions">
          {!mine && c.status === 'open' && (
            <button type="button" class="primary" onClick={() => act('take-over')}>
              Take over
            </button>
          )}
          {mine && (
            <button type="button" onClick={() => act('hand-back')}>
              Hand back to bot
            </button>
          )}
          {(mine || c.owner === 'queue') && c.status === 'open' && (
            <button type="button" onClick={() => act('resolve')}>
              Resolve
            </button>
          )}
        </div>
        <p class="error" role="alert">
          {message}
        </p>
      </header>
      {summary && (
        <details class="summary" open>
          <summary>Handoff summary</summary>
          <pre>{summary.text}</pre>
        </details>
      )}
      <Transcript detail={detail} customer={c.customer} />
      <p class="typing" aria-live="polite">
        {visitorTyping ? `${c.customer} is typing…` : ''}
      </p>
      <form class={note ? 'composer note-mode' : 'composer'} onSubmit={send}>
        <label class="toggle">
          <input
            type="checkbox"
            checked={note}
            onChange={(e) => setNote((e.currentTarget as HTMLInputElement).checked)}
          />
          Private note
        </label>
        <textarea
          ref={input}
          aria-label="Reply"
          rows={2}
          maxLength={4000}
          placeholder={
            note ? 'Only operators see notes' : mine ? 'Write to the visitor' : 'Take over to reply'
          }
          onInput={typed}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send(e);
          }}
        />
        <button type="submit" class="primary" disabled={!note && !mine}>
          Send
        </button>
      </form>
    </section>
  );
}
