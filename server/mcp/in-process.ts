import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpTokenVerifier } from './auth.js';
import { answerRequest, notify } from './dispatch.js';
import type { CrmServerDeps } from './server.js';

/**
 * A client transport that reaches the MCP CRM server in this process without HTTP (docs/architecture.md §7: the
 * embedded default may, provided the raw MCP token is verified exactly as over HTTP). Each request
 * is handled like a stateless `/mcp` POST: the current token from `getToken` goes through the same
 * verifier (signature, `typ`, `iss`, `aud`, `exp` — re-checked every time), then a server built for
 * that caller answers it. A refused token answers the request with a JSON-RPC error; nothing runs.
 */
export class InProcessTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  #closed = false;

  constructor(
    private readonly getToken: () => Promise<string>,
    private readonly mcp: { verifier: McpTokenVerifier; deps: CrmServerDeps },
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
    const verified = await this.mcp.verifier.verify(`Bearer ${await this.getToken()}`);
    if (!verified.ok) {
      this.#deliver({
        jsonrpc: '2.0',
        id: message.id,
        error: { code: -32001, message: `Unauthorized: ${verified.failure.description}` },
      });
      return;
    }
    const { caller } = verified;
    if (caller.scopes.length === 0 && message.method === 'tools/call') {
      this.#deliver({
        jsonrpc: '2.0',
        id: message.id,
        error: { code: -32003, message: 'Insufficient scope' },
      });
      return;
    }
    const answer = await answerRequest(caller, this.mcp.deps, message);
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
