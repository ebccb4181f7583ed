import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isJSONRPCRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { McpTokenVerifier } from './auth.js';
import { answerRequest } from './dispatch.js';
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
    // Notifications (initialized, cancelled) need no answer from a stateless server.
    if (!isJSONRPCRequest(message)) return;
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
    this.#deliver(await answerRequest(caller, this.mcp.deps, message));
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
