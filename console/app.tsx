import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type {
  ConsoleServerFrame,
  ConversationDetail,
  ConversationSummary,
  Session,
} from '../shared/console-protocol.js';
import { Api } from './api.js';
import { ConversationView } from './conversation-view.js';
import { CustomerPanel } from './customer-panel.js';
import { Inbox, type Tab } from './inbox.js';
import { Live } from './live.js';
import { Notifier } from './notify.js';
import { SignIn } from './sign-in.js';

/** The operator console: sign-in, then the inbox, one conversation, and the customer beside it. */
export function App() {
  const api = useMemo(() => new Api(), []);
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    api.me().then(setSession);
  }, [api]);
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (!session) return <SignIn api={api} onSession={setSession} />;
  return <Desk api={api} session={session} onSignOut={() => setSession(null)} />;
}

function Desk({ api, session, onSignOut }: { api: Api; session: Session; onSignOut(): void }) {
  const me = session.operator;
  const [list, setList] = useState<ConversationSummary[]>([]);
  const [tab, setTab] = useState<Tab>('Queue');
  const [selected, setSelected] = useState<string | null>(null);
  const [detail, setDetail] = useState<ConversationDetail | null>(null);
  const [viewers, setViewers] = useState<Record<string, string[]>>({});
  const [typing, setTyping] = useState<Record<string, number>>({});
  const [online, setOnline] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [sound, setSound] = useState(true);
  const [announce, setAnnounce] = useState('');
  const notifier = useMemo(() => new Notifier(), []);
  const selectedRef = useRef<string | null>(null);
  selectedRef.current = selected;

  const refreshList = useCallback(async () => {
    const { conversations } = await api.call<{ conversations: ConversationSummary[] }>(
      'GET',
      '/conversations',
    );
    setList(conversations);
  }, [api]);
  const refreshDetail = useCallback(async () => {
    const id = selectedRef.current;
    if (!id) return setDetail(null);
    const d = await api.call<ConversationDetail>('GET', `/conversations/${id}`).catch(() => null);
    if (selectedRef.current === id) setDetail(d);
  }, [api]);

  const onFrame = useCallback(
    (f: ConsoleServerFrame) => {
      const open = selectedRef.current;
      if (f.type === 'hello') {
        setOnline(f.online);
        void refreshList();
        void refreshDetail();
      } else if (f.type === 'presence') setOnline(f.online);
      else if (f.type === 'viewers') setViewers((v) => ({ ...v, [f.conversationId]: f.names }));
      else if (f.type === 'typing') setTyping((t) => ({ ...t, [f.conversationId]: f.on ? Date.now() : 0 }));
      else if (f.type === 'conversation') {
        setList((l) => [f.conversation, ...l.filter((c) => c.id !== f.conversation.id)]);
        if (f.event === 'queued') {
          notifier.alert('A visitor is waiting', `${f.conversation.customer} asked for a person`);
          setAnnounce(`${f.conversation.customer} is waiting in the queue`);
        }
        if (
          f.event === 'visitor_message' &&
          f.conversation.operatorId === me.id &&
          f.conversation.owner === 'operator'
        )
          notifier.alert(`${f.conversation.customer} wrote`, 'A new message in your conversation');
        if (f.conversation.id === open) void refreshDetail();
      } else if (
        (f.type === 'message' || f.type === 'note' || f.type === 'tool') &&
        f.conversationId === open
      ) {
        if (f.type === 'message' && f.message.role === 'visitor')
          setTyping((t) => ({ ...t, [f.conversationId]: 0 }));
        void refreshDetail();
      }
    },
    [refreshList, refreshDetail, notifier, me.id],
  );
  const live = useMemo(() => new Live((f) => onFrame(f)), [onFrame]);
  useEffect(() => {
    live.start();
    return () => live.stop();
  }, [live]);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    live.send({ type: 'view', conversationId: selected });
    void refreshDetail();
  }, [selected, live, refreshDetail]);
  useEffect(() => setSound(notifier.sound), [notifier]);

  const signOut = async () => {
    await api.call('POST', '/sign-out').catch(() => {});
    live.stop();
    onSignOut();
  };
  const askDesktop = () => void Notification.requestPermission();

  return (
    <div class="desk">
      <header class="top">
        <h1>Deputy console</h1>
        <span class="online">{online} online</span>
        <button
          type="button"
          aria-pressed={sound}
          onClick={() => {
            notifier.setSound(!sound);
            setSound(!sound);
          }}
        >
          Sound
        </button>
        {'Notification' in window && Notification.permission === 'default' && (
          <button type="button" onClick={askDesktop}>
            Desktop alerts
          </button>
        )}
        <span class="me">{me.name}</span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <p class="sr-only" role="status">
        {announce}
      </p>
      <Inbox
        list={list}
        tab={tab}
        me={me.id}
        now={now}
        selected={selected}
        onTab={setTab}
        onSelect={setSelected}
      />
      {detail ? (
        <>
          <main class="main">
            <ConversationView
              api={api}
              live={live}
              me={me}
              detail={detail}
              viewers={viewers[detail.conversation.id] ?? detail.viewers}
              visitorTyping={now - (typing[detail.conversation.id] ?? 0) < 5000}
              onChanged={() => {
                void refreshDetail();
                void refreshList();
              }}
            />
          </main>
          <CustomerPanel api={api} conversationId={detail.conversation.id} />
        </>
      ) : (
        <main class="main empty">
          <h2>Choose a conversation</h2>
        </main>
      )}
    </div>
  );
}
