import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type CallToolResult,
  ErrorCode,
  isJSONRPCNotification,
  isJSONRPCRequest,
  type JSONRPCMessage,
  type JSONRPCRequest,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { CrmTools } from '../agent/mcp-client.js';
import type { McpCaller, McpTokenVerifier } from './auth.js';
import { type Answer, answerRequest, Canceller, notify } from './dispatch.js';
import type { CrmServerDeps } from './server.js';

/** The MCP server of this process, as the in-process paths reach it. */
export interface InProcessMcp {
  verifier: McpTokenVerifier;
  deps: CrmServerDeps;
}

type Admission = { ok: true; caller: McpCaller } | { ok: false; code: number; message: string };

/**
 * The checks `/mcp` makes before it answers a request (http.ts), in the same order: the raw token
 * through the same verifier (signature, `typ`, `iss`, `aud`, `exp`, an operator's grant — re-checked
 * every time), then no tool call for a token without any CRM scope. A refusal is the JSON-RPC error
 * an HTTP client gets in the body of the 401 or 403 (with the verifier's reason for a 401, which
 * HTTP carries in `WWW-Authenticate`).
 */
async function admit(mcp: InProcessMcp, token: string, method: string): Promise<Admission> {
  const verified = await mcp.verifier.verify(`Bearer ${token}`);
  if (!verified.ok) {
    return { ok: false, code: -32001, message: `Unauthorized: ${verified.failure.description}` };
  }
  if (verified.caller.scopes.length === 0 && method === 'tools/call') {
    return { ok: false, code: -32003, message: 'Insufficient scope' };
  }
  return { ok: true, caller: verified.caller };
}

/**
 * A client transport that reaches the MCP CRM server in this process without HTTP, for SDK clients
 * (docs/architecture.md §7: the embedded default may, provided the raw MCP token is verified exactly
 * as over HTTP). Each request is handled like a stateless `/mcp` POST: `admit` with the current
 * token from `getToken`, then the same dispatcher answers it. A refused token answers the request
 * with a JSON-RPC error; nothing runs.
 */
export class InProcessTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  #closed = false;

  constructor(
    private readonly getToken: () => Promise<string>,
    private readonly mcp: InProcessMcp,
  ) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error('transport closed');
    if (!isJSONRPCRequest(message)) {
      // Responses need nothing; of the notifications only a cancellation does something.
      if (!isJSONRPCNotification(message) || message.method !== 'notifications/cancelled') return;
      const verified = await this.mcp.verifier.verify(`Bearer ${await this.getToken()}`);
      if (verified.ok) notify(verified.caller, this.mcp.deps, message);
      return;
    }
    const admitted = await admit(this.mcp, await this.getToken(), message.method);
    if (!admitted.ok) {
      this.#deliver({
        jsonrpc: '2.0',
        id: message.id,
        error: { code: admitted.code, message: admitted.message },
      });
      return;
    }
    const answer = await answerRequest(admitted.caller, this.mcp.deps, message);
    for (const n of answer.notifications) this.#deliver(n);
    if (answer.response) this.#deliver(answer.response);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
  }

  #deliver(message: JSONRPCMessage): void {
    if (!this.#closed) this.onmessage?.(message);
  }
}

/** The SDK client's default timeout of a request without its own (listTools). */
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * The agent's tools on the MCP server of this process, without an SDK client (docs/architecture.md
 * §7): each call is `admit`ted with the visitor's current token and answered by the dispatcher
 * `/mcp` uses, so the server side (token, scope, arguments, ownership, confirmation, audit) is the
 * same request for request. What the SDK client added is kept where it shows: a JSON-RPC error is
 * thrown as the McpError the client throws, a call past its timeout is cancelled on the server and
 * rejected with the client's timeout error. Not repeated: the handshake (the server is stateless)
 * and the client's re-parse of results the dispatcher already checked against the SDK's schema.
 */
export function inProcessTools(
  getToken: () => Promise<string>,
  mcp: InProcessMcp,
  timeoutMs = 10_000,
): CrmTools {
  let nextId = 0;
  let closed = false;
  const ask = async (method: string, params: Record<string, unknown>, timeout: number) => {
    // As the SDK client once closed.
    if (closed) throw new Error('Not connected');
    const request: JSONRPCRequest = { jsonrpc: '2.0', id: nextId++, method, params };
    const admitted = await admit(mcp, await getToken(), method);
    if (!admitted.ok) throw McpError.fromError(admitted.code, admitted.message);
    const answer = await answerWithin(admitted.caller, mcp.deps, request, timeout);
    const response = answer.response as
      | { result: Record<string, unknown> }
      | { error: { code: number; message: string; data?: unknown } };
    if ('error' in response) {
      throw McpError.fromError(response.error.code, response.error.message, response.error.data);
    }
    return response.result;
  };
  return {
    async listTools() {
      return (await ask('tools/list', {}, DEFAULT_TIMEOUT_MS)).tools as Tool[];
    },
    async callTool(name, args, meta) {
      const params = meta ? { name, arguments: args, _meta: meta } : { name, arguments: args };
      return (await ask('tools/call', params, timeoutMs)) as CallToolResult;
    },
    async close() {
      closed = true;
    },
  };
}

/**
 * A request answered, or cancelled on the server once `timeoutMs` has passed (as the SDK client's
 * timeout sends `notifications/cancelled`) and rejected with the client's timeout error. A request
 * cancelled by someone else gets no response, so it too ends at the timeout, as with the client.
 */
async function answerWithin(
  caller: McpCaller,
  deps: CrmServerDeps,
  request: JSONRPCRequest,
  timeoutMs: number,
): Promise<Answer & { response: JSONRPCMessage }> {
  const timeout = new Canceller();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      timeout.abort();
      resolve();
    }, timeoutMs);
  });
  try {
    const answer = await answerRequest(caller, deps, request, timeout);
    if (answer.response) return answer as Answer & { response: JSONRPCMessage };
    await timedOut;
    throw new McpError(ErrorCode.RequestTimeout, 'Request timed out', { timeout: timeoutMs });
  } finally {
    clearTimeout(timer);
  }
}
