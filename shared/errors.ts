/**
 * Error codes visible on the wire (WebSocket error frames and close codes). Codes are never reused;
 * each one is documented in docs/protocol.md, and a test checks that.
 */
export const WIRE_ERRORS = {
  bad_json: { message: 'The frame is not valid JSON.' },
  bad_frame: { message: 'The frame does not match the protocol.' },
  binary_frame: { message: 'Binary frames are not accepted.', close: 1003 },
  frame_too_large: { message: 'The frame is larger than 16 KB.', close: 1009 },
  text_too_long: { message: 'Messages are limited to 4,000 characters.' },
  hello_required: { message: 'Send a hello frame first.' },
  hello_timeout: { message: 'No hello frame arrived in time.', close: 4401 },
  unauthorized: { message: 'Your session could not be verified. Please reload the page.', close: 4401 },
  token_expired: { message: 'Your session has expired. Please reload the page.', close: 4401 },
  unknown_site: { message: 'This site is not configured for Deputy.', close: 4403 },
  forbidden_origin: { message: 'This page is not allowed to use this chat.', close: 4403 },
  conversation_not_found: { message: 'That conversation could not be found; a new one was started.' },
  confirmation_unknown: { message: 'That confirmation is no longer pending.' },
  busy: { message: 'Still working on your previous message.' },
  rate_limited: { message: 'You are sending messages too quickly. Please wait a moment.' },
  model_budget: { message: 'You have asked a lot in a short time. Please wait a minute and ask again.' },
  slow_reader: { message: 'The connection is too slow to keep up; reconnecting.', close: 1013 },
  abuse: { message: 'Too many invalid or excessive frames.', close: 1008 },
  too_many_connections: { message: 'Too many open chats.', close: 1008 },
  model_unavailable: { message: 'The assistant is unavailable right now. Please try again shortly.' },
  internal: { message: 'Something went wrong on our side. Please try again.' },
  shutting_down: { message: 'The server is restarting; reconnecting.', close: 1012 },
} as const satisfies Record<string, { message: string; close?: number }>;

export type WireErrorCode = keyof typeof WIRE_ERRORS;
