import { adoptCss } from './adopt-css.js';
import { JWT } from './config.js';
import { createEmitter } from './events.js';
import launcherCss from './launcher.css?inline';
import type { DeputyEvent, DeputyEvents, Locale, MountPanel, PanelApi, WidgetConfig } from './types.js';

/** Loads the panel module and its stylesheet (dynamic import() in the build; the source in tests). */
export type LoadPanel = () => Promise<{ mount: MountPanel; css: string }>;

export interface DeputyApi {
  open(): void;
  close(): void;
  toggle(): void;
  identify(token: string | null): void;
  shutdown(): void;
  on<K extends DeputyEvent>(event: K, fn: (data: DeputyEvents[K]) => void): () => void;
}

export interface WidgetInstance extends DeputyApi {
  /** Removes the host element, socket, timers and listeners; leaves stored history alone. */
  destroy(): void;
  readonly root: ShadowRoot;
}

// The loader only knows the launcher's name; the panel carries every other string (panel/i18n.ts).
const OPEN_CHAT: Record<Locale, string> = {
  en: 'Open chat',
  es: 'Abrir chat',
  de: 'Chat öffnen',
  fr: 'Ouvrir le chat',
  ar: 'فتح المحادثة',
};

/** Keys of this site's stored conversations (all identities); [] when storage is blocked. */
function storedKeys(site: string): string[] {
  try {
    return Object.keys(localStorage).filter((k) => k.startsWith(`deputy:v1:${site}:`));
  } catch {
    return [];
  }
}

/** Black or white text on the accent (YIQ brightness): enough to keep a light accent readable. */
function onAccent(accent: string): string {
  const [r = 0, g = 0, b = 0] =
    /^#(\w\w)(\w\w)(\w\w)$/
      .exec(accent)
      ?.slice(1)
      .map((h) => Number.parseInt(h, 16)) ?? [];
  return r * 0.299 + g * 0.587 + b * 0.114 > 160 ? '#111' : '#fff';
}

/**
 * Creates one widget instance: a host element with a shadow root, the launcher, and the API. The
 * panel (Preact UI and connection) is loaded on first open, on launcher hover/focus, or at once when
 * a stored conversation exists (so replies that arrive while closed raise the unread badge).
 */
export function createWidget(config: WidgetConfig, loadPanel: LoadPanel): WidgetInstance {
  const events = createEmitter();
  const host = document.createElement('deputy-chat');
  host.dataset.theme = config.theme;
  host.dataset.position = config.position;
  const root = host.attachShadow({ mode: 'open' });
  const adopt = (css: string): void => adoptCss(root, css, config.nonce);
  adopt(launcherCss);
  const { accent, zIndex } = config;
  if (accent) adopt(`:host{--deputy-accent:${accent};--deputy-on-accent:${onAccent(accent)}}`);
  if (zIndex !== null) adopt(`:host{--deputy-z:${zIndex}}`);

  const launcher = document.createElement('button');
  launcher.className = 'launcher';
  for (const [name, value] of [
    ['type', 'button'],
    ['aria-label', OPEN_CHAT[config.locale]],
    ['aria-expanded', 'false'],
  ]) {
    launcher.setAttribute(name as string, value as string);
  }
  root.append(launcher);

  let isOpen = false;
  let destroyed = false;
  let panel: PanelApi | null = null;
  let loading: Promise<unknown> | null = null;

  const load = (): Promise<unknown> =>
    (loading ??= loadPanel().then(
      ({ mount, css }) => {
        if (destroyed) return;
        adopt(css);
        panel = mount({
          config,
          root,
          launcher,
          emit: events.emit,
          requestClose() {
            api.close();
            launcher.focus();
          },
        });
        panel.setOpen(isOpen);
      },
      (err: unknown) => {
        loading = null;
        console.error(`[Deputy] Could not load ${config.assetBase}: is the server up?`, err);
        events.emit('error', { code: 'load_failed', message: 'The chat could not be loaded.' });
      },
    ));

  const setOpen = (open: boolean): void => {
    if (destroyed || open === isOpen) return;
    isOpen = open;
    launcher.setAttribute('aria-expanded', `${open}`);
    host.toggleAttribute('data-open', open);
    if (open) load();
    panel?.setOpen(open);
    events.emit(open ? 'open' : 'close', undefined);
  };
  const clearStored = (): void => {
    for (const key of storedKeys(config.site)) localStorage.removeItem(key);
  };
  const destroy = (): void => {
    if (destroyed) return;
    destroyed = true;
    panel?.destroy();
    host.remove();
    events.clear();
  };

  const api: WidgetInstance = {
    root,
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!isOpen),
    identify(token) {
      if (token !== null && !JWT.test(`${token}`)) {
        console.error('[Deputy] Deputy.identify() needs a JWT or null.');
      } else if (panel) panel.identify(token);
      else {
        // Not loaded yet: the next identity starts a new conversation with this token.
        clearStored();
        config.token = token;
        config.tokenUrl = null;
      }
    },
    shutdown() {
      panel?.forget();
      clearStored();
      destroy();
    },
    on: events.on,
    destroy,
  };

  launcher.addEventListener('click', api.toggle);
  // Prefetch on intent so the first open feels instant without loading the panel on every page view.
  launcher.addEventListener('pointerenter', load);
  launcher.addEventListener('focus', load);

  const attach = (): void => {
    if (destroyed) return;
    document.body.append(host);
    if (config.open) setOpen(true);
    else if (storedKeys(config.site).length) load();
  };
  if (document.body) attach();
  else addEventListener('DOMContentLoaded', attach, { once: true });
  return api;
}
