/**
 * The operator console's wire shapes (docs/console.md): HTTP bodies and WebSocket frames between
 * server/console and console/. The server safeParses what the console sends; the console imports
 * the types only, so zod never enters its bundle.
 */
import { z } from 'zod';
import type { MessageFrame, ToolFrame } from './protocol.js';

/** Longest operator reply or note, like a visitor message. */
export const MAX_OPERATOR_TEXT = 4000;
/** Largest console WebSocket frame in bytes: the console sends only small control frames. */
export const MAX_CONSOLE_FRAME = 4096;

const conversationId = z.string().regex(/^conv_[A-Za-z0-9_-]{8,40}$/);

export const SignInBody = z.strictObject({
  email: z.string().min(3).max(320),
  password: z.string().min(1).max(256),
});

export const ReplyBody = z.strictObject({
  text: z.string().trim().min(1).max(MAX_OPERATOR_TEXT),
  /** A private note: stored apart, never sent to the visitor or the model. */
  private: z.boolean().optional(),
});

/** Console → server over the console WebSocket. */
export const ConsoleClientFrame = z.discriminatedUnion('type', [
  /** The conversation this console shows (presence: "Sam is viewing"); null = none. */
  z.strictObject({ type: z.literal('view'), conversationId: conversationId.nullable() }),
  z.strictObject({ type: z.literal('typing'), conversationId, on: z.boolean() }),
]);
export type ConsoleClientFrame = z.infer<typeof ConsoleClientFrame>;

export interface OperatorInfo {
  id: string;
  siteId: string;
  email: string;
  name: string;
  role: 'agent' | 'admin';
}

export interface Session {
  operator: OperatorInfo;
  /** Sent back as `x-csrf-token` on every state-changing request. */
  csrf: string;
}

export interface ConversationSummary {
  id: string;
  siteId: string;
  customer: string;
  owner: 'bot' | 'queue' | 'operator';
  /** The owning operator's display name. */
  operatorName: string | null;
  operatorId: string | null;
  status: 'open' | 'resolved';
  queuedAt: string | null;
  reason: string | null;
  updatedAt: string;
}

export interface NoteView {
  id: string;
  kind: 'note' | 'summary';
  author: string;
  text: string;
  at: string;
}

export interface ConversationDetail {
  conversation: ConversationSummary;
  messages: MessageFrame[];
  notes: NoteView[];
  viewers: string[];
  /** The assistant's tool calls in this conversation, from the MCP audit log. */
  tools: { at: string; tool: string; outcome: string }[];
}

/** Server → console over the console WebSocket. */
export type ConsoleServerFrame =
  | { type: 'hello'; operator: OperatorInfo; online: number }
  | { type: 'conversation'; conversation: ConversationSummary; event?: 'queued' | 'visitor_message' }
  | { type: 'message'; conversationId: string; message: MessageFrame }
  | { type: 'tool'; conversationId: string; tool: ToolFrame }
  | { type: 'note'; conversationId: string; note: NoteView }
  | { type: 'viewers'; conversationId: string; names: string[] }
  | { type: 'typing'; conversationId: string; who: 'visitor' | string; on: boolean }
  | { type: 'presence'; online: number }
  | { type: 'error'; code: string; message: string };
