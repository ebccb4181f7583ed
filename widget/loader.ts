/**
 * widget.js: the classic-script loader a site pastes. It reads its own script tag synchronously (the
 * only moment document.currentScript is set), validates the config, draws the launcher, and exposes
 * window.Deputy. The panel is fetched with import() from `widget/` beside this file.
 */
import { readConfig } from './config.js';
import { createWidget } from './create-widget.js';
import type { MountPanel } from './types.js';

// Hashed file names of the panel build, injected by vite.config.ts.
declare const __DEPUTY_PANEL__: string;
declare const __DEPUTY_STYLES__: string;

const script = document.currentScript as HTMLScriptElement | null;
const w = window as unknown as { Deputy?: unknown };

if (w.Deputy) {
  console.warn('[Deputy] widget.js is included twice; remove the extra script tag.');
} else if (!script?.src) {
  console.error('[Deputy] Load widget.js with <script src async>, not type="module".');
} else {
  const result = readConfig({ ...script.dataset }, script.src, {
    url: location.href,
    lang: document.documentElement.lang,
  });
  if (!result.ok) console.error(result.error);
  else {
    const config = result.config;
    config.nonce ??= script.nonce || null;
    const widget = createWidget(config, () =>
      Promise.all([
        import(/* @vite-ignore */ config.assetBase + __DEPUTY_PANEL__) as Promise<{ mount: MountPanel }>,
        import(/* @vite-ignore */ config.assetBase + __DEPUTY_STYLES__) as Promise<{ default: string }>,
      ]).then(([p, s]) => ({ mount: p.mount, css: s.default })),
    );
    const { open, close, toggle, identify, on } = widget;
    w.Deputy = {
      open,
      close,
      toggle,
      identify,
      on,
      shutdown() {
        widget.shutdown();
        delete w.Deputy;
      },
    };
  }
}
