import type { ConversationDetail } from '../shared/console-protocol.js';

type Item =
  | { kind: 'msg'; at: string; key: string; role: string; name: string; text: string }
  | { kind: 'note'; at: string; key: string; name: string; text: string }
  | { kind: 'tool'; at: string; key: string; text: string };

const STATUS: Record<string, (n: string) => string> = {
  joined: (n) => `${n} joined the conversation`,
  left: (n) => `${n} handed it back to the bot`,
  resolved: (n) => `${n} resolved it`,
  offline: () => 'Visitor told nobody is available and offered a ticket',
};

function statusLine(text: string, name: string): string {
  if (text.startsWith('queued:')) return `Visitor queued (told about ${text.slice(7)} min)`;
  return STATUS[text]?.(name) ?? text;
}

/** Messages, private notes and tool activity in time order; every text is a text node (D1, D2). */
export function Transcript({ detail, customer }: { detail: ConversationDetail; customer: string }) {
  const items: Item[] = [
    ...detail.messages.map(
      (m): Item => ({
        kind: 'msg',
        at: m.at,
        key: m.id,
        role: m.role,
        name: m.role === 'visitor' ? customer : m.role === 'assistant' ? 'Bot' : (m.name ?? ''),
        text: m.role === 'status' ? statusLine(m.text, m.name ?? '') : m.text,
      }),
    ),
    ...detail.notes
      .filter((n) => n.kind === 'note')
      .map((n): Item => ({ kind: 'note', at: n.at, key: n.id, name: n.author, text: n.text })),
    ...detail.tools.map(
      (t, i): Item => ({ kind: 'tool', at: t.at, key: `t${i}`, text: `Tool ${t.tool}: ${t.outcome}` }),
    ),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return (
    <ol class="transcript" aria-label="Transcript">
      {items.map((it) =>
        it.kind === 'msg' && it.role === 'status' ? (
          <li key={it.key} class="line status">
            {it.text}
          </li>
        ) : it.kind === 'tool' ? (
          <li key={it.key} class="line tool">
            {it.text}
          </li>
        ) : (
          <li key={it.key} class={`bubble ${it.kind === 'note' ? 'note' : it.role}`}>
            <span class="who">{it.kind === 'note' ? `Private note · ${it.name}` : it.name}</span>
            <p>{it.text}</p>
            <time dateTime={it.at}>
              {new Date(it.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
            </time>
          </li>
        ),
      )}
    </ol>
  );
}
