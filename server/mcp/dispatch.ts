import { safeParse } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import {
  CallToolResultSchema,
  CancelledNotificationSchema,
  ErrorCode,
  isInitializeRequest,
  isTaskAugmentedRequestParams,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type JSONRPCNotification,
  type JSONRPCRequest,
  McpError,
  RELATED_TASK_META_KEY,
  type ServerNotification,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpCaller } from './auth.js';
import { type Cancellable, InFlight } from './in-flight.js';
import { type CrmServerDeps, type Method, type MethodContext, methodsFor } from './server.js';

/** What the server sent for one request. */
export interface Answer {
  /** Notifications sent while answering (log messages), in order, before the response. */
  notifications: JSONRPCNotification[];
  /** The response; null when the request was cancelled: nothing is sent for it (MCP cancellation). */
  response: JSONRPCMessage | null;
}

/** What cancels requests from outside (the HTTP client went away): an AbortSignal, or a lighter one. */
export interface Abort {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: { handleEvent(): void }): void;
  removeEventListener(type: 'abort', listener: { handleEvent(): void }): void;
}

/**
 * An Abort without an AbortSignal behind it (building one was 2 % of a call): the HTTP client
 * going away, told to the requests of its POST, or the in-process tools' timeout.
 */
export class Canceller implements Abort {
  aborted = false;
  readonly #listeners = new Set<{ handleEvent(): void }>();

  addEventListener(_type: 'abort', listener: { handleEvent(): void }): void {
    this.#listeners.add(listener);
  }

  removeEventListener(_type: 'abort', listener: { handleEvent(): void }): void {
    this.#listeners.delete(listener);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const listener of [...this.#listeners]) listener.handleEvent();
  }
}

/** The reason a cancelled handler's signal carries (the SDK's, from `notifications/cancelled`). */
const CANCELLED = 'cancelled by the client';

/**
 * Answers one JSON-RPC request from the method table built once per process (stateless: nothing
 * is shared between requests but the CRM, the audit log and the requests in flight). The protocol
 * layer is the SDK Server's, step for step (docs/architecture.md §7; test/server/mcp/dispatch.test.ts
 * holds an SDK Server to the same answers): an unknown method is -32601, a request that breaks the
 * SDK's schema for its method gets the SDK's error, a handler's error keeps its code, a tools/call
 * result is checked against the SDK's result schema. A `notifications/cancelled` from the same
 * caller naming this request, or `abort` (the HTTP client went away), cancels it: the handler's
 * signal aborts and no response is sent.
 */
export function answerRequest(
  caller: McpCaller,
  deps: CrmServerDeps,
  request: JSONRPCRequest,
  abort?: Abort,
): Promise<Answer> {
  return new Promise<Answer>((resolve) => new PendingRequest(caller, deps, request, abort, resolve).start());
}

/**
 * One request being answered: its handler's context, and what cancels it. A class, not closures:
 * under tsx (the bench, `npm run dev`) every named closure costs a defineProperty per request.
 */
class PendingRequest implements MethodContext, Cancellable {
  readonly notifications: JSONRPCNotification[] = [];
  readonly #controller = new AbortController();
  readonly signal = this.#controller.signal;
  readonly #key: string;
  #settled = false;
  /** A related task's messages can only be queued, and this server has no task queue. */
  #relatedTask = false;

  constructor(
    readonly caller: McpCaller,
    readonly deps: CrmServerDeps,
    readonly request: JSONRPCRequest,
    private readonly abort: Abort | undefined,
    private readonly resolve: (answer: Answer) => void,
  ) {
    this.#key = InFlight.key(caller, request.id);
  }

  start(): void {
    const { request, abort } = this;
    this.deps.inFlight.track(this.#key, this);
    // Cancelled before it started: it never runs.
    if (abort?.aborted) {
      this.cancel();
      return;
    }
    abort?.addEventListener('abort', this);
    const method = methodsFor(this.caller).get(request.method);
    if (!method) {
      this.#settle({
        jsonrpc: '2.0',
        id: request.id,
        error: { code: ErrorCode.MethodNotFound, message: 'Method not found' },
      });
      return;
    }
    const params = request.params as Record<string, unknown> | undefined;
    const meta = params?._meta as Record<string, { taskId?: unknown } | undefined> | undefined;
    this.#relatedTask = Boolean(meta?.[RELATED_TASK_META_KEY]?.taskId);
    run(method, request, params, this).then(
      (result) => {
        if (!this.signal.aborted) this.#settle({ result, jsonrpc: '2.0', id: request.id } as JSONRPCMessage);
      },
      (error: { code?: unknown; message?: string; data?: unknown }) => {
        if (this.signal.aborted) return;
        this.#settle({
          jsonrpc: '2.0',
          id: request.id,
          error: {
            code: Number.isSafeInteger(error.code) ? (error.code as number) : ErrorCode.InternalError,
            message: error.message ?? 'Internal error',
            ...(error.data !== undefined && { data: error.data }),
          },
        });
      },
    );
  }

  /**
   * A log message tied to this request. The SDK drops it once the request is cancelled, and for a
   * task-related request (its enqueue throws, and logToClient ignores that).
   */
  async sendNotification(notification: ServerNotification): Promise<void> {
    if (this.signal.aborted) return;
    if (this.#relatedTask) throw new Error('Cannot enqueue task message: no task queue');
    this.notifications.push({ ...notification, jsonrpc: '2.0' } as JSONRPCNotification);
  }

  /** `notifications/cancelled` naming this request, or the HTTP client gone. */
  cancel(): void {
    this.#controller.abort(CANCELLED);
    this.#settle(null);
  }

  /** The `abort` signal's listener. */
  handleEvent(): void {
    this.cancel();
  }

  #settle(response: JSONRPCMessage | null): void {
    if (this.#settled) return;
    this.#settled = true;
    this.deps.inFlight.untrack(this.#key, this);
    this.abort?.removeEventListener('abort', this);
    this.resolve({ notifications: this.notifications, response });
  }
}

/** A method's answer, or what it throws, in the SDK Server's order of checks. */
async function run(
  method: Method,
  request: JSONRPCRequest,
  params: Record<string, unknown> | undefined,
  ctx: MethodContext,
): Promise<unknown> {
  // Task-augmented execution is not offered: refused before the request is parsed.
  if (params?.task !== undefined && isTaskAugmentedRequestParams(params)) {
    throw new Error(`Server does not support task creation (required for ${request.method})`);
  }
  const parsed = safeParse(method.schema, request);
  if (!parsed.success) throw parsed.error;
  const result = await method.handle(parsed.data, ctx);
  if (request.method !== 'tools/call') return result;
  const checked = safeParse(CallToolResultSchema, result);
  if (!checked.success) {
    const message = checked.error instanceof Error ? checked.error.message : String(checked.error);
    throw new McpError(ErrorCode.InvalidParams, `Invalid tools/call result: ${message}`);
  }
  return checked.data;
}

/**
 * Acts on a notification from a client: `notifications/cancelled` cancels the caller's own request
 * it names (docs/architecture.md §4); the others need nothing from a stateless server.
 */
export function notify(caller: McpCaller, deps: CrmServerDeps, message: JSONRPCNotification): void {
  if (message.method !== 'notifications/cancelled') return;
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
    if (plainRequest(m)) {
      messages.push(m);
      continue;
    }
    const parsed = JSONRPCMessageSchema.safeParse(m);
    if (!parsed.success) {
      return { ok: false, status: 400, code: -32700, message: 'Parse error: Invalid JSON-RPC message' };
    }
    messages.push(parsed.data);
  }
  // Only a message named `initialize` can be one (the schema's method is a literal): the others skip a
  // failing parse, which costs more than the rest of the checks together.
  const initializing = messages.some(
    (m) => 'method' in m && m.method === 'initialize' && isInitializeRequest(m),
  );
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

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

/**
 * Whether a message is a request in the form clients send nearly always, checked by hand: what
 * this accepts, JSONRPCRequestSchema accepts too (a strict object; `jsonrpc` "2.0"; a string or
 * safe-integer id; a string method; params absent or an object), so the answer is the same. A
 * request with `_meta` in its params, and anything else, goes through the schema.
 */
function plainRequest(m: unknown): m is JSONRPCRequest {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const r = m as Record<string, unknown>;
  for (const key in r) if (!REQUEST_KEYS.has(key) || !Object.hasOwn(r, key)) return false;
  if (r.jsonrpc !== '2.0' || typeof r.method !== 'string') return false;
  if (typeof r.id !== 'string' && !(typeof r.id === 'number' && Number.isSafeInteger(r.id))) return false;
  const params = r.params;
  if (params === undefined) return !Object.hasOwn(r, 'params');
  return (
    typeof params === 'object' && params !== null && !Array.isArray(params) && !Object.hasOwn(params, '_meta')
  );
}

/**
 * Acts on the notifications of a POST, then answers every request in it (responses from the client
 * need nothing). `abort` cancels them all (the HTTP client went away).
 */
export function answerAll(
  caller: McpCaller,
  deps: CrmServerDeps,
  messages: JSONRPCMessage[],
  abort?: Abort,
): Promise<Answer[]> {
  for (const m of messages) if (kindOf(m) === 'notification') notify(caller, deps, m as JSONRPCNotification);
  const requests = messages.filter((m): m is JSONRPCRequest => kindOf(m) === 'request');
  return Promise.all(requests.map((m) => answerRequest(caller, deps, m, abort)));
}

/**
 * The kind of a message JSONRPCMessageSchema accepted: its four shapes are strict objects, so the
 * keys alone tell them apart (the SDK's type guards would each run a schema parse, failing ones
 * included).
 */
export function kindOf(message: JSONRPCMessage): 'request' | 'notification' | 'response' {
  if (!('method' in message)) return 'response';
  return 'id' in message ? 'request' : 'notification';
}
