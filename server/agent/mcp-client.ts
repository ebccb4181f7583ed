import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';

/** The agent's view of the MCP CRM server: list tools, call one. */
export interface CrmTools {
  listTools(): Promise<Tool[]>;
  callTool(
    name: string,
    args: Record<string, unknown>,
    meta?: Record<string, unknown>,
  ): Promise<CallToolResult>;
  close(): Promise<void>;
}

/**
 * Where the MCP server is: its URL (Streamable HTTP), a factory for a client transport that reaches
 * it another way, or a factory for tools that reach it directly (the embedded default's in-process
 * path, docs/architecture.md §7); each is given the same token source, so the server verifies the
 * same token either way.
 */
export type McpTarget =
  | string
  | ((getToken: () => Promise<string>) => Transport)
  | { direct: (getToken: () => Promise<string>) => CrmTools };

/**
 * Connects an MCP client, authenticating each request with the visitor's current MCP token. Over
 * HTTP each request gets its own AbortSignal: the SDK would otherwise reuse one and flood Node 20
 * with MaxListenersExceededWarning (docs/architecture.md §7).
 */
export async function connectCrmTools(
  target: McpTarget,
  getToken: () => Promise<string>,
  timeoutMs = 10_000,
): Promise<CrmTools> {
  if (typeof target === 'object') return target.direct(getToken);
  const client = new Client({ name: 'deputy-agent', version: '0.1.0' });
  await client.connect(
    typeof target === 'string' ? httpTransport(target, getToken, timeoutMs) : target(getToken),
  );
  return {
    async listTools() {
      return (await client.listTools()).tools;
    },
    async callTool(name, args, meta) {
      const params = meta ? { name, arguments: args, _meta: meta } : { name, arguments: args };
      return (await client.callTool(params, undefined, { timeout: timeoutMs })) as CallToolResult;
    },
    close: () => client.close(),
  };
}

function httpTransport(url: string, getToken: () => Promise<string>, timeoutMs: number): Transport {
  const fetchWithToken: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${await getToken()}`);
    return fetch(input, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
  };
  return new StreamableHTTPClientTransport(new URL(url), { fetch: fetchWithToken });
}
