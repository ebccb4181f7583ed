/** Panel entry (loaded by the loader with import()): mounts the Preact UI into the shadow root. */
import { render } from 'preact';
import type { MountPanel, PanelHost } from '../types.js';
import { App } from './app.js';
import { Conversation } from './conversation.js';
import { STRINGS } from './i18n.js';

/** The unread badge on the launcher; the launcher's name stays "Open chat", the count is its description. */
function unreadBadge(host: PanelHost): (count: number) => void {
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.hidden = true;
  badge.setAttribute('aria-hidden', 'true');
  host.launcher.append(badge);
  return (count) => {
    badge.hidden = count === 0;
    badge.textContent = count > 9 ? '9+' : `${count}`;
    if (count) host.launcher.setAttribute('aria-description', STRINGS[host.config.locale].unread(count));
    else host.launcher.removeAttribute('aria-description');
    host.emit('unread', { count });
  };
}

export const mount: MountPanel = (host) => {
  const setUnread = unreadBadge(host);
  // Set here rather than by the loader: the panel it points to exists from now on.
  host.launcher.setAttribute('aria-controls', 'deputy-panel');
  const conv = new Conversation({ config: host.config, emit: host.emit, setUnread });
  const container = document.createElement('div');
  host.root.append(container);
  let open = false;
  const draw = (): void => render(<App conv={conv} host={host} open={open} />, container);
  draw();
  return {
    setOpen(next) {
      open = next;
      conv.setOpen(next);
      draw();
    },
    identify: (token) => conv.identify(token),
    forget: () => conv.forget(),
    destroy() {
      render(null, container);
      conv.destroy();
      container.remove();
    },
  };
};
