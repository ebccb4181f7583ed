import type { CrmTools } from '../agent/mcp-client.js';
import type { SigningKey } from '../auth/keys.js';
import { signMcpToken } from '../auth/mcp-token.js';
import type { Operator } from './operators.js';

export interface CustomerReaderDeps {
  signingKey: SigningKey;
  issuer(): string;
  audience(): string;
  /** An MCP client authenticated by `getToken` (in process, or Streamable HTTP with MCP_URL). */
  connect(getToken: () => Promise<string>): Promise<CrmTools>;
}

export interface CustomerView {
  anonymous: boolean;
  customer: Record<string, unknown> | null;
  tickets: Record<string, unknown>[];
}

/**
 * The customer's record and tickets beside a conversation, read through the MCP server like any
 * other caller (docs/architecture.md §3): a token whose `sub` is the customer and whose `act` names
 * the operator (RFC 8693), `crm.read` only, so ownership checks apply and the audit log's client
 * column names the operator. No workspace-wide credential is involved.
 */
export async function readCustomer(
  deps: CustomerReaderDeps,
  op: Operator,
  conv: { id: string; subject: string; siteId: string },
): Promise<CustomerView> {
  if (conv.subject.startsWith('anon:')) return { anonymous: true, customer: null, tickets: [] };
  const token = () =>
    signMcpToken(
      deps.signingKey,
      { issuer: deps.issuer(), audience: deps.audience(), ttlSeconds: 60 },
      {
        sub: conv.subject,
        scopes: ['crm.read'],
        cid: conv.id,
        site: conv.siteId,
        client: `console:${op.id}`,
        act: { sub: op.id },
      },
    );
  const tools = await deps.connect(token);
  try {
    const [info, list] = await Promise.all([
      tools.callTool('get_customer_info', {}),
      tools.callTool('list_my_tickets', { limit: 10 }),
    ]);
    const customer = info.isError ? null : ((info.structuredContent as Record<string, unknown>) ?? null);
    const listed = list.structuredContent as { tickets?: Record<string, unknown>[] } | undefined;
    const tickets = list.isError ? [] : (listed?.tickets ?? []);
    return { anonymous: false, customer, tickets };
  } finally {
    await tools.close().catch(() => {});
  }
}
