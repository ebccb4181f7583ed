import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
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
 * Connects an MCP client over Streamable HTTP, authenticating each request with the visitor's
 * current MCP token. Each request gets its own AbortSignal: the SDK would otherwise reuse one and
 * flood Node 20 with MaxListenersExceededWarning (DESIGN §7).
 */
export async function connectCrmTools(
  url: string,
  getToken: () => Promise<string>,
  timeoutMs = 10_000,
): Promise<CrmTools> {
  const fetchWithToken: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${await getToken()}`);
    return fetch(input, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
  };
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: fetchWithToken });
  const client = new Client({ name: 'deputy-agent', version: '0.1.0' });
  await client.connect(transport);
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
