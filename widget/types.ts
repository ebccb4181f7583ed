/**
 * Types shared by the loader (widget.js) and the lazily loaded panel. The loader owns the page-facing
 * parts (config, host element, launcher, window.Deputy, events); the panel owns the conversation.
 */
import type { ToolFrame } from '../shared/protocol.js';

export type Locale = 'en' | 'es' | 'de' | 'fr' | 'ar';
export type Theme = 'auto' | 'light' | 'dark';

/** The validated widget configuration, read once from the script tag's data-* attributes. */
export interface WidgetConfig {
  /** Chat backend base URL without trailing slash (default: the script's origin). */
  server: string;
  /** WebSocket endpoint derived from `server` (http→ws, path /ws). */
  wsUrl: string;
  /** Directory the panel chunks are loaded from (`widget/` beside the loader). */
  assetBase: string;
  site: string;
  token: string | null;
  tokenUrl: string | null;
  title: string | null;
  greeting: string | null;
  accent: string | null;
  position: 'right' | 'left';
  locale: Locale;
  theme: Theme;
  open: boolean;
  zIndex: number | null;
  nonce: string | null;
}

export interface ChatMessageEvent {
  id: string;
  seq: number;
  /** `operator`: a person from the team; `status`: a handoff line whose text is an event code. */
  role: 'visitor' | 'assistant' | 'operator' | 'status';
  text: string;
  at: string;
  /** The operator's display name, on operator and status messages. */
  name?: string;
}

/** Events of `Deputy.on(event, fn)` and their payloads. */
export interface DeputyEvents {
  ready: { conversationId: string; visitor: { name: string | null; anonymous: boolean } };
  open: undefined;
  close: undefined;
  message: ChatMessageEvent;
  unread: { count: number };
  tool_call: Omit<ToolFrame, 'type'>;
  confirm: {
    confirmId: string;
    tool: string;
    summary: string;
    outcome: 'pending' | 'accepted' | 'declined' | 'expired' | 'withdrawn';
  };
  error: { code: string; message: string };
}
export type DeputyEvent = keyof DeputyEvents;
export type Emit = <K extends DeputyEvent>(event: K, data: DeputyEvents[K]) => void;

/** What the loader hands to the panel when it mounts it. */
export interface PanelHost {
  config: WidgetConfig;
  /** Shadow root to render into (the launcher is already there). */
  root: ShadowRoot;
  launcher: HTMLButtonElement;
  emit: Emit;
  /** The panel asks to be closed (Esc, close button); focus returns to the launcher. */
  requestClose(): void;
}

/** What the panel module gives back to the loader. */
export interface PanelApi {
  setOpen(open: boolean): void;
  identify(token: string | null): void;
  /** Forgets the stored conversation and outbox of the current identity. */
  forget(): void;
  destroy(): void;
}

export type MountPanel = (host: PanelHost) => PanelApi;
