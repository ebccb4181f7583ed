import type { ConversationSummary } from '../shared/console-protocol.js';

export type Tab = 'Queue' | 'Mine' | 'All';
const TABS: Tab[] = ['Queue', 'Mine', 'All'];

/** Which conversations a tab shows; the queue longest waiting first, the rest newest first. */
export function inTab(list: ConversationSummary[], tab: Tab, me: string): ConversationSummary[] {
  const open = list.filter((c) => c.status === 'open');
  if (tab === 'Queue')
    return open
      .filter((c) => c.owner === 'queue')
      .sort((a, b) => (a.queuedAt ?? '').localeCompare(b.queuedAt ?? ''));
  if (tab === 'Mine') return open.filter((c) => c.owner === 'operator' && c.operatorId === me);
  return list;
}

export function waited(since: string | null, now: number): string {
  if (!since) return '';
  const s = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`;
}

const OWNER: Record<ConversationSummary['owner'], string> = { bot: 'Bot', queue: 'Waiting', operator: '' };

/** Tabs "Queue", "Mine", "All" with counts, and the conversations of the chosen one. */
export function Inbox(props: {
  list: ConversationSummary[];
  tab: Tab;
  me: string;
  now: number;
  selected: string | null;
  onTab(t: Tab): void;
  onSelect(id: string): void;
}) {
  const { list, tab, me, now } = props;
  const keyNav = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const next =
      e.key === 'ArrowRight' ? TABS[(i + 1) % 3] : e.key === 'ArrowLeft' ? TABS[(i + 2) % 3] : null;
    if (!next) return;
    e.preventDefault();
    props.onTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  const shown = inTab(list, tab, me);
  return (
    <nav class="inbox" aria-label="Conversations">
      <div role="tablist" aria-label="Conversation lists" onKeyDown={keyNav}>
        {TABS.map((t) => (
          <button
            type="button"
            role="tab"
            id={`tab-${t}`}
            key={t}
            aria-selected={t === tab}
            aria-controls="conversation-list"
            tabIndex={t === tab ? 0 : -1}
            onClick={() => props.onTab(t)}
          >
            {t} <span class="count">{inTab(list, t, me).length}</span>
          </button>
        ))}
      </div>
      <div id="conversation-list" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        <ul>
          {shown.length === 0 && <li class="empty">Nothing here.</li>}
          {shown.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                class={c.id === props.selected ? 'item selected' : 'item'}
                aria-current={c.id === props.selected ? 'true' : undefined}
                onClick={() => props.onSelect(c.id)}
              >
                <span class="name">{c.customer}</span>
                <span class="sub">
                  {c.status === 'resolved' ? 'Resolved' : OWNER[c.owner] || c.operatorName}
                  {c.owner === 'queue' && c.queuedAt ? ` · waiting ${waited(c.queuedAt, now)}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </nav>
  );
}
