/**
 * The WebSocket wire protocol between the widget and the chat backend (docs/protocol.md).
 * One schema, two uses: the server safeParses every inbound frame; the widget imports the inferred
 * types only (`import type`), so zod never enters its bundle.
 */
import { z } from 'zod';
import type { WireErrorCode } from './errors.js';

export const PROTOCOL_VERSION = 1;
/** Largest inbound frame in bytes (docs/architecture.md §8). */
export const MAX_FRAME_BYTES = 16 * 1024;
/** Longest visitor message in characters (docs/architecture.md §8). */
export const MAX_TEXT_CHARS = 4000;

const clientId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/)
  .describe('Client-chosen id that makes a visitor message idempotent across reconnects');
const conversationId = z.string().regex(/^conv_[A-Za-z0-9_-]{8,40}$/);

// ---- widget → server -------------------------------------------------------------------------

/** First frame on every socket: who the visitor is, and where to resume. */
export const HelloFrame = z.strictObject({
  type: z.literal('hello'),
  v: z.literal(PROTOCOL_VERSION),
  site: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
  token: z.string().min(1).max(8192).optional(),
  conversationId: conversationId.optional(),
  /** Highest `seq` the widget has rendered; the server replays everything after it. */
  lastSeq: z.number().int().min(0).optional(),
  locale: z.string().max(35).optional(),
  /**
   * Without a conversation id: continue this signed-in visitor's recent conversation (started in
   * another browser, served by any node) instead of starting one. Ignored for anonymous visitors.
   */
  latest: z.literal(true).optional(),
});
export type HelloFrame = z.infer<typeof HelloFrame>;

export const VisitorMessageFrame = z.strictObject({
  type: z.literal('message'),
  clientId,
  text: z.string().min(1).max(MAX_TEXT_CHARS),
});
export type VisitorMessageFrame = z.infer<typeof VisitorMessageFrame>;

/** The visitor's click on a confirm card. */
export const ConfirmFrame = z.strictObject({
  type: z.literal('confirm'),
  confirmId: z.string().regex(/^cf_[A-Za-z0-9_-]{8,64}$/),
  accept: z.boolean(),
});
export type ConfirmFrame = z.infer<typeof ConfirmFrame>;

/** The visitor is typing (shown to the operator who owns the conversation). */
export const VisitorTypingFrame = z.strictObject({
  type: z.literal('typing'),
  on: z.boolean(),
});
export type VisitorTypingFrame = z.infer<typeof VisitorTypingFrame>;

export const ClientFrame = z.discriminatedUnion('type', [
  HelloFrame,
  VisitorMessageFrame,
  ConfirmFrame,
  VisitorTypingFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

// ---- server → widget -------------------------------------------------------------------------
// Server frames are produced by our own code, so they are plain types (no runtime schema needed).

export interface WelcomeFrame {
  type: 'welcome';
  conversationId: string;
  /** Display name from the visitor token, or null for an anonymous visitor. */
  visitor: { name: string | null; anonymous: boolean };
  /** Highest stored `seq`; the widget treats frames with a lower or equal seq as already seen. */
  lastSeq: number;
  resumed: boolean;
  /**
   * Ids of the confirm cards still waiting for a click. A card the widget shows that is not listed
   * was withdrawn (a restart, or the visitor wrote again): it shows as not done.
   */
  pendingConfirms?: string[];
}

/**
 * A stored message. Frames with `seq` are durable and replayed on resume. `operator` is a person's
 * reply (labelled with `name`); `status` is a handoff line whose `text` is a {@link StatusEvent}
 * the widget words in its own locale.
 */
export interface MessageFrame {
  type: 'message';
  seq: number;
  id: string;
  role: 'visitor' | 'assistant' | 'operator' | 'status';
  text: string;
  /** The operator's display name (never an email), on `operator` and `status` messages. */
  name?: string;
  /** ISO-8601 time the message was stored. */
  at: string;
  /** For visitor messages: the widget's client id, so the outbox can match it. */
  clientId?: string;
}

/** The visitor message with `clientId` is stored; the outbox may drop it. */
export interface AckFrame {
  type: 'ack';
  clientId: string;
  seq: number;
  id: string;
  /** True when this client id had been stored before (a resend after reconnect). */
  duplicate: boolean;
}

/** An assistant reply has started streaming. */
export interface ReplyStartFrame {
  type: 'reply_start';
  id: string;
}

/** A reply that stopped before any text (a person took the conversation): drop its draft. */
export interface ReplyEndFrame {
  type: 'reply_end';
  id: string;
}

/** Streamed reply text. On resume, one delta carries everything streamed so far. */
export interface DeltaFrame {
  type: 'delta';
  id: string;
  text: string;
}

/** Tool activity shown as a chip ("Looking up ticket T-1001…"). */
export interface ToolFrame {
  type: 'tool';
  callId: string;
  name: string;
  label: string;
  status: 'running' | 'done' | 'error';
}

/** A write that needs the visitor's click. The model never sees the signed state behind it. */
export interface ConfirmRequestFrame {
  type: 'confirm_request';
  confirmId: string;
  tool: string;
  summary: string;
  expiresAt: string;
}

/**
 * The outcome of a confirm card (after a click, a timeout, or a second click). `withdrawn`: the
 * visitor wrote something else instead of clicking, or the server restarted; nothing was changed
 * and the card can no longer be confirmed.
 */
export interface ConfirmResultFrame {
  type: 'confirm_result';
  confirmId: string;
  outcome: 'accepted' | 'declined' | 'expired' | 'withdrawn';
}

export interface ErrorFrame {
  type: 'error';
  code: WireErrorCode;
  message: string;
  /** The visitor message this error refers to, if any. */
  clientId?: string;
  /** Correlation id for support, for internal errors. */
  ref?: string;
  /** For `rate_limited` and `model_budget`: how long to wait before sending again. */
  retryAfterMs?: number;
}

/**
 * Status lines of a handoff: a person joined or left, the visitor waits in the queue (text
 * `queued:<minutes>`), or nobody is available (`offline`).
 */
export type StatusEvent = 'joined' | 'left' | 'resolved' | 'offline' | `queued:${number}`;

/** Someone on the other side is typing: the bot's replies stream instead, so this is a person. */
export interface TypingFrame {
  type: 'typing';
  name: string;
  on: boolean;
}

/**
 * One WebSocket message from the server: a frame, or several (a batch, in order) to a client that
 * opened the socket as `/ws?batch=1` (docs/protocol.md, "Batches"). The capability is in the URL,
 * not the hello, so that a newer widget still connects to an older node during a rolling upgrade:
 * the older node's strict hello schema would refuse a field it does not know, but it ignores the
 * parameter and sends one frame per message, which the newer widget reads too.
 */
export type ServerMessage = ServerFrame | ServerFrame[];

/** The upgrade URL's query parameter and value by which a client asks for batches. */
export const BATCH_QUERY = { name: 'batch', value: '1' } as const;

export type ServerFrame =
  | TypingFrame
  | WelcomeFrame
  | MessageFrame
  | AckFrame
  | ReplyStartFrame
  | ReplyEndFrame
  | DeltaFrame
  | ToolFrame
  | ConfirmRequestFrame
  | ConfirmResultFrame
  | ErrorFrame;
