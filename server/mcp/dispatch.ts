import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CancelledNotificationSchema,
  isInitializeRequest,
  isJSONRPCNotification,
  isJSONRPCRequest,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type JSONRPCNotification,
  type JSONRPCRequest,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpCaller } from './auth.js';
import { type CrmServerDeps, createCrmServer } from './server.js';

/** The server side of one request: hands the message in, passes what the server sends back out. */
class OneRequest implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;

  constructor(private readonly sent: (message: JSONRPCMessage) => void) {}
  async start(): Promise<void> {}
  async send(message: JSONRPCMessage): Promise<void> {
    this.sent(message);
  }
  async close(): Promise<void> {
    this.onclose?.();
  }
}

/** What the server sent for one request. */
export interface Answer {
  /** Notifications sent while answering (log messages), in order, before the response. */
  notifications: JSONRPCNotification[];
  /** The response; null when the request was cancelled: nothing is sent for it (MCP cancellation). */
  response: JSONRPCMessage | null;
}

/**
 * Answers one JSON-RPC request with a server built for this caller alone (stateless: nothing is
 * shared between requests but the CRM, the audit log, the validator and the requests in flight).
 * A `notifications/cancelled` from the same caller naming this request, or `abort` (the HTTP
 * client went away), cancels it: the SDK aborts the handler's signal and drops its response.
 */
export async function answerRequest(
  caller: McpCaller,
  deps: CrmServerDeps,
  request: JSONRPCRequest,
  abort?: AbortSignal,
): Promise<Answer> {
  const server = createCrmServer(caller, deps);
  const notifications: JSONRPCNotification[] = [];
  return new Promise<Answer>((resolve) => {
    let settled = false;
    let delivered = false;
    const settle = (response: JSONRPCMessage | null) => {
      if (settled) return;
      settled = true;
      untrack();
      abort?.removeEventListener('abort', cancel);
      resolve({ notifications, response });
    };
    // The server is dropped once it has answered, not closed: close() aborts and rejects its
    // (finished) request bookkeeping, building error objects that cost 4 % of a call.
    const transport = new OneRequest((message) => {
      if (settled) return;
      if (isJSONRPCNotification(message)) notifications.push(message);
      else if (!isJSONRPCRequest(message)) settle(message);
    });
    const cancel = () => {
      if (delivered) {
        transport.onmessage?.({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: request.id, reason: 'cancelled by the client' },
        });
      }
      settle(null);
    };
    const untrack = deps.inFlight.track(caller, request.id, cancel);
    if (abort?.aborted) return cancel();
    abort?.addEventListener('abort', cancel, { once: true });
    void server.connect(transport).then(() => {
      // Cancelled before it started: it never runs.
      if (settled) return;
      delivered = true;
      transport.onmessage?.(request, {
        authInfo: {
          token: caller.token,
          clientId: caller.client,
          scopes: caller.scopes,
          expiresAt: caller.exp,
        },
      });
    });
  });
}

/**
 * Acts on a notification from a client: `notifications/cancelled` cancels the caller's own request
 * it names (docs/architecture.md §4); the others need nothing from a stateless server.
 */
export function notify(caller: McpCaller, deps: CrmServerDeps, message: JSONRPCNotification): void {
  const cancelled = CancelledNotificationSchema.safeParse(message);
  const id = cancelled.success ? cancelled.data.params.requestId : undefined;
  if (id !== undefined) deps.inFlight.cancel(caller, id);
}

/** Largest batch accepted in one POST (as the SDK's transport). */
const MAX_BATCH = 100;

export type ParsedPost =
  | { ok: true; messages: JSONRPCMessage[]; batch: boolean }
  | { ok: false; status: number; code: number; message: string };

/**
 * The checks the SDK's Streamable HTTP transport makes on a POST, without converting Node's request
 * into a Web Request (that conversion was most of the per-call cost): Accept, protocol version and
 * JSON-RPC shape. Content-Type and JSON syntax are checked by Fastify's parser before this runs.
 */
export function parsePost(headers: Record<string, string | string[] | undefined>, body: unknown): ParsedPost {
  const accept = String(headers.accept ?? '');
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return {
      ok: false,
      status: 406,
      code: -32000,
      message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
    };
  }
  const batch = Array.isArray(body);
  const raw: unknown[] = batch ? body : [body];
  if (raw.length === 0 || raw.length > MAX_BATCH) {
    return {
      ok: false,
      status: 400,
      code: -32600,
      message: `Invalid Request: a batch holds 1 to ${MAX_BATCH} messages`,
    };
  }
  const messages: JSONRPCMessage[] = [];
  for (const m of raw) {
    const parsed = JSONRPCMessageSchema.safeParse(m);
    if (!parsed.success) {
      return { ok: false, status: 400, code: -32700, message: 'Parse error: Invalid JSON-RPC message' };
    }
    messages.push(parsed.data);
  }
  const initializing = messages.some(isInitializeRequest);
  if (initializing && messages.length > 1) {
    return {
      ok: false,
      status: 400,
      code: -32600,
      message: 'Invalid Request: Only one initialization request is allowed',
    };
  }
  const version = headers['mcp-protocol-version'];
  if (!initializing && typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    return {
      ok: false,
      status: 400,
      code: -32000,
      message: `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
    };
  }
  return { ok: true, messages, batch };
}

/**
 * Acts on the notifications of a POST, then answers every request in it (responses from the client
 * need nothing). `abort` cancels them all (the HTTP client went away).
 */
export function answerAll(
  caller: McpCaller,
  deps: CrmServerDeps,
  messages: JSONRPCMessage[],
  abort?: AbortSignal,
): Promise<Answer[]> {
  for (const m of messages) if (isJSONRPCNotification(m)) notify(caller, deps, m);
  return Promise.all(messages.filter(isJSONRPCRequest).map((m) => answerRequest(caller, deps, m, abort)));
}
