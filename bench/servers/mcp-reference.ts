// Baseline: the MCP SDK's reference stateless pattern (its simpleStatelessStreamableHttp example):
// a new McpServer and StreamableHTTPServerTransport per request, the SDK's default JSON-schema
// validator, served by node:http, no authentication (as in the example). It serves Deputy's own
// get_ticket_status tool over the same seeded SQLite CRM, so only the serving pattern differs.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { EmbeddedCrm } from '../../server/crm/embedded.js';
import { getTicketStatus } from '../../server/mcp/tools/get-ticket-status.js';
import { openStore } from '../../server/store/db.js';
import { seedDemo } from '../../server/store/seed.js';
import { serveParent } from '../lib/serve.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'deputy-bench-ref-'));
const store = await openStore(dataDir);
await seedDemo(store);
const crm = new EmbeddedCrm(store.db, 'demo');
const tool = getTicketStatus;
// Deputy's visitor input schema for this tool (kept here so the baseline does not depend on how
// the tool module organises its per-caller schemas).
const INPUT = z.strictObject({
  ticket_id: z
    .string()
    .regex(/^T-\d{1,10}$/)
    .describe('Ticket id, e.g. "T-1001"'),
});
// No authentication in the reference example: every call acts for the demo customer Alice.
const CUSTOMER = 'cus_alice';

/** The same queries as Deputy's handler (ticket, ownership, latest comment), no audit record. */
async function ticketStatus(ticketId: string): Promise<CallToolResult> {
  const ticket = await crm.getTicket(ticketId);
  if (!ticket || ticket.customerId !== CUSTOMER) {
    return { isError: true, content: [{ type: 'text', text: `Ticket ${ticketId} was not found.` }] };
  }
  const [latest] = await crm.listComments(ticket.id, 1);
  const data = {
    ticket_id: ticket.id,
    subject: ticket.subject,
    status: ticket.status,
    state: ticket.state,
    status_label: ticket.statusLabel,
    priority: ticket.priority,
    created_at: ticket.createdAt,
    updated_at: ticket.updatedAt,
    latest_reply: latest ? latest.body : null,
  };
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

function getServer(): McpServer {
  const server = new McpServer({ name: 'reference', version: '0' }, { capabilities: { tools: {} } });
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: INPUT,
      outputSchema: tool.output,
      annotations: tool.annotations,
    },
    (args: { ticket_id?: unknown }) => ticketStatus(String(args.ticket_id)),
  );
  return server;
}

const http = createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/mcp') {
    res.writeHead(405).end();
    return;
  }
  const server = getServer();
  const transport = new StreamableHTTPServerTransport({}); // no session id generator: stateless;
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res);
  } catch {
    if (!res.headersSent) res.writeHead(500).end();
  }
});
http.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
const { port } = http.address() as AddressInfo;
serveParent({ url: `http://127.0.0.1:${port}`, dataDir }, async () => {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});
