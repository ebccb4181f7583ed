import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { PanelHost } from '../types.js';
import type { Conversation } from './conversation.js';
import { cleanText, type Entry, isTyping } from './entries.js';
import { EntryView } from './entry-view.js';
import { TypingLine } from './handoff-view.js';
import { STRINGS, type Strings } from './i18n.js';

const FULL_SCREEN = '(max-width: 639.98px)';
const FOCUSABLE = 'button:not([disabled]), textarea:not([disabled]), a[href]';

/** Whether the panel is in its mobile full-screen mode (then it is modal and traps focus). */
function useFullScreen(): boolean {
  const [full, setFull] = useState(() => matchMedia(FULL_SCREEN).matches);
  useEffect(() => {
    const mq = matchMedia(FULL_SCREEN);
    const on = (): void => setFull(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return full;
}

/** Follows the visual viewport so the composer stays above the on-screen keyboard. */
function useVisualViewport(el: HTMLElement | null, active: boolean): void {
  useEffect(() => {
    const vv = window.visualViewport;
    if (!el || !vv || !active) return;
    const on = (): void => {
      el.style.setProperty('--deputy-vvh', `${vv.height}px`);
      el.style.setProperty('--deputy-vvtop', `${vv.offsetTop}px`);
    };
    on();
    vv.addEventListener('resize', on);
    vv.addEventListener('scroll', on);
    return () => {
      vv.removeEventListener('resize', on);
      vv.removeEventListener('scroll', on);
    };
  }, [el, active]);
}

/**
 * The greeting: by first name when the visitor is known (the token's name), else the plain one. The
 * name is a <bdi>, so a Latin name keeps its punctuation in the right place in an Arabic sentence.
 */
function Greeting({ t, visitorName }: { t: Strings; visitorName: string | null }) {
  const first = cleanText(visitorName ?? '')
    .trim()
    .split(/\s+/)[0]
    ?.slice(0, 40);
  if (!first) return <>{t.greeting}</>;
  const [before = '', after = ''] = t.greetName.split('{name}');
  return (
    <>
      {before}
      <bdi>{first}</bdi>
      {after}
    </>
  );
}

export function App({ conv, host, open }: { conv: Conversation; host: PanelHost; open: boolean }) {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => conv.subscribe(() => rerender(undefined)), [conv]);
  const { config } = host;
  const t = STRINGS[config.locale];
  const { entries, conn, fatal, visitorName, typingName } = conv.state;
  const full = useFullScreen();
  const panel = useRef<HTMLElement>(null);
  const log = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  useVisualViewport(panel.current, open && full);

  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  // Stick to the bottom while the visitor is reading the latest messages.
  const lastLen = useRef(0);
  useLayoutEffect(() => {
    const el = log.current;
    if (!el) return;
    const nearBottom =
      el.scrollHeight - el.scrollTop - el.clientHeight < 120 || entries.length !== lastLen.current;
    lastLen.current = entries.length;
    if (nearBottom) el.scrollTop = el.scrollHeight;
  });

  const submit = (e?: Event): void => {
    e?.preventDefault();
    const el = input.current;
    if (!el?.value.trim()) return;
    conv.send(el.value);
    el.value = '';
    el.focus();
  };

  const onKeyDown = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') {
      e.preventDefault();
      host.requestClose();
    } else if ((e.key === 'Tab' || e.code === 'Tab') && full && panel.current) {
      // WebKitGTK reports Shift+Tab as key "Unidentified" (GTK's ISO_Left_Tab), code "Tab".
      const items = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
      const first = items[0];
      const last = items[items.length - 1];
      const active = host.root.activeElement;
      if (e.shiftKey && active === first) {
        e.preventDefault();
        last?.focus();
      } else if (!e.shiftKey && active === last) {
        e.preventDefault();
        first?.focus();
      }
    }
  };

  const onInputKey = (e: KeyboardEvent): void => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
  };

  return (
    <section
      id="deputy-panel"
      class="panel"
      role="dialog"
      aria-modal={full ? 'true' : undefined}
      aria-labelledby="deputy-title"
      hidden={!open}
      dir={config.locale === 'ar' ? 'rtl' : 'ltr'}
      lang={config.locale}
      ref={panel}
      onKeyDown={onKeyDown}
    >
      <header class="head">
        <div>
          <h2 id="deputy-title">{config.title ?? t.title}</h2>
          {visitorName && (
            <p class="who">
              {t.signedInAs} <bdi>{visitorName}</bdi>
            </p>
          )}
        </div>
        <button type="button" class="close" aria-label={t.close} onClick={host.requestClose}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M6 6l12 12M18 6L6 18" />
          </svg>
        </button>
      </header>
      <div class={fatal ? 'status fatal' : 'status'} role="status">
        {fatal ?? (conn === 'reconnecting' ? t.reconnecting : '')}
      </div>
      <div class="log" role="log" aria-live="polite" aria-label={t.conversation} ref={log}>
        <div class="row assistant greeting">
          <div class="bubble" dir="auto">
            {config.greeting ?? <Greeting t={t} visitorName={visitorName} />}
          </div>
        </div>
        {entries.map((e: Entry) => (
          <EntryView key={e.key} entry={e} conv={conv} t={t} locale={config.locale} />
        ))}
        {typingName && <TypingLine name={typingName} locale={config.locale} />}
        {isTyping(entries) && (
          <div class="typing" title={t.typing} aria-hidden="true">
            <span />
            <span />
            <span />
          </div>
        )}
      </div>
      <form class="composer" onSubmit={submit}>
        <textarea
          ref={input}
          rows={1}
          maxLength={4000}
          aria-label={t.message}
          placeholder={t.placeholder}
          onKeyDown={onInputKey}
          onInput={() => conv.typed()}
          disabled={!!fatal}
        />
        <button type="submit" class="send" aria-label={t.send} disabled={!!fatal}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M3 20l18-8L3 4v6l12 2-12 2z" />
          </svg>
        </button>
      </form>
    </section>
  );
}
