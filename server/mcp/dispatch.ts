import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isInitializeRequest,
  isJSONRPCRequest,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type JSONRPCRequest,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpCaller } from './auth.js';
import { type CrmServerDeps, createCrmServer } from './server.js';

/** The server side of one request: hands the message in, passes the answer back. */
class OneRequest implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;

  constructor(private readonly answer: (message: JSONRPCMessage) => void) {}
  async start(): Promise<void> {}
  async send(message: JSONRPCMessage): Promise<void> {
    this.answer(message);
  }
  async close(): Promise<void> {
    this.onclose?.();
  }
}

/**
 * Answers one JSON-RPC request with a server built for this caller alone (stateless: nothing is
 * shared between requests but the CRM, the audit log and the validator).
 */
export async function answerRequest(
  caller: McpCaller,
  deps: CrmServerDeps,
  request: JSONRPCRequest,
): Promise<JSONRPCMessage> {
  const server = createCrmServer(caller, deps);
  const answered = new Promise<JSONRPCMessage>((resolve) => {
    // The server is dropped once it has answered, not closed: close() aborts and rejects its
    // (finished) request bookkeeping, building error objects that cost 4 % of a call.
    const transport = new OneRequest(resolve);
    void server.connect(transport).then(() =>
      transport.onmessage?.(request, {
        authInfo: {
          token: caller.token,
          clientId: caller.client,
          scopes: caller.scopes,
          expiresAt: caller.exp,
        },
      }),
    );
  });
  return answered;
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

/** Answers every request of a POST; notifications and responses need no answer. */
export function answerAll(
  caller: McpCaller,
  deps: CrmServerDeps,
  messages: JSONRPCMessage[],
): Promise<JSONRPCMessage[]> {
  return Promise.all(messages.filter(isJSONRPCRequest).map((m) => answerRequest(caller, deps, m)));
}
