import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { CrmTools } from '../../../../server/agent/mcp-client.js';

const META_KEY = 'io.deputy/confirmation';

/** Knobs a test turns to make the small CRM misbehave. */
export interface ContractCrmControls {
  /** Milliseconds each read waits before answering (to observe reads running together). */
  readDelayMs: number;
  /** Tool names that never answer. */
  hang: Set<string>;
  /** Lifetime of confirmation states, in milliseconds. */
  confirmTtlMs: number;
}

/**
 * A small, real MCP server (SDK McpServer over InMemoryTransport) that speaks Deputy's confirmation
 * contract: writes answer `confirmation_required` with an HMAC-signed, single-use state bound to the
 * tool and its arguments, and write only when the same call comes back with the state in `_meta`.
 */
export class ContractCrm {
  readonly controls: ContractCrmControls = { readDelayMs: 0, hang: new Set(), confirmTtlMs: 60_000 };
  phone = '+14155550132';
  readonly comments: { ticket_id: string; body: string }[] = [];
  readonly tickets: { ticket_id: string; subject: string; description: string }[] = [];
  /** Every tools/call as received, with its `_meta`. */
  readonly received: { name: string; args: unknown; meta: Record<string, unknown> | undefined }[] = [];
  /** Highest number of reads in flight at once. */
  maxConcurrentReads = 0;
  writes = 0;
  #inflight = 0;
  readonly #key = randomBytes(32);
  readonly #used = new Set<string>();

  #sign(tool: string, args: unknown, exp: number): string {
    const nonce = randomBytes(8).toString('hex');
    const body = `${tool}.${createHash('sha256').update(JSON.stringify(args)).digest('hex')}.${exp}.${nonce}`;
    return `${body}.${createHmac('sha256', this.#key).update(body).digest('hex')}`;
  }

  #redeem(state: unknown, tool: string, args: unknown): boolean {
    if (typeof state !== 'string' || this.#used.has(state)) return false;
    const parts = state.split('.');
    const mac = parts.pop();
    const body = parts.join('.');
    if (mac !== createHmac('sha256', this.#key).update(body).digest('hex')) return false;
    const [t, hash, exp] = parts;
    if (t !== tool || hash !== createHash('sha256').update(JSON.stringify(args)).digest('hex')) return false;
    if (Number(exp) < Date.now()) return false;
    this.#used.add(state);
    return true;
  }

  #server(): McpServer {
    const server = new McpServer({ name: 'contract-crm', version: '0' });
    const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
    const write = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };
    const err = (code: string, message: string, extra: Record<string, unknown> = {}): CallToolResult => ({
      isError: true,
      content: [{ type: 'text', text: JSON.stringify({ error: code, message, ...extra }) }],
    });
    const guarded = async (name: string, fn: () => Promise<CallToolResult> | CallToolResult) => {
      if (this.controls.hang.has(name)) await new Promise(() => {});
      return fn();
    };
    const reading = async (name: string, data: Record<string, unknown>) =>
      guarded(name, async () => {
        this.#inflight++;
        this.maxConcurrentReads = Math.max(this.maxConcurrentReads, this.#inflight);
        await new Promise((r) => setTimeout(r, this.controls.readDelayMs));
        this.#inflight--;
        return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
      });
    const confirmed = (
      name: string,
      args: Record<string, unknown>,
      meta: Record<string, unknown> | undefined,
      summary: string,
      perform: () => Record<string, unknown>,
    ) =>
      guarded(name, () => {
        this.received.push({ name, args, meta });
        const state = meta?.[META_KEY];
        if (state === undefined) {
          const exp = Date.now() + this.controls.confirmTtlMs;
          return err('confirmation_required', summary, {
            confirmation: {
              state: this.#sign(name, args, exp),
              summary,
              expires_at: new Date(exp).toISOString(),
            },
          });
        }
        if (!this.#redeem(state, name, args))
          return err('confirmation_invalid', 'That confirmation is not valid.');
        this.writes++;
        const data = perform();
        return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
      });

    server.registerTool(
      'get_customer_info',
      { description: 'Own record', inputSchema: {}, annotations: read },
      async () =>
        reading('get_customer_info', {
          customer_id: 'cus_test',
          name: 'Tess Test',
          email: 'tess@example.com',
          phone: this.phone,
        }),
    );
    server.registerTool(
      'get_ticket_status',
      {
        description: 'One ticket',
        inputSchema: { ticket_id: z.string().regex(/^T-\d{1,10}$/) },
        annotations: read,
      },
      async ({ ticket_id }) =>
        reading('get_ticket_status', {
          ticket_id,
          subject: `Subject of ${ticket_id}`,
          status: 'open',
          priority: 'normal',
          created_at: '2026-11-01T10:00:00.000Z',
          updated_at: '2026-11-02T10:00:00.000Z',
          latest_reply: null,
        }),
    );
    server.registerTool(
      'update_phone_number',
      {
        description: 'Change own phone',
        inputSchema: { phone: z.string().min(3).max(40) },
        annotations: write,
      },
      async (args, extra) =>
        confirmed('update_phone_number', args, extra._meta, `Change your phone to ${args.phone}?`, () => {
          this.phone = args.phone;
          return { customer_id: 'cus_test', phone: args.phone, changed: true };
        }),
    );
    server.registerTool(
      'add_ticket_comment',
      {
        description: 'Comment on own ticket',
        inputSchema: { ticket_id: z.string().regex(/^T-\d{1,10}$/), body: z.string().min(1).max(4000) },
        annotations: write,
      },
      async (args, extra) =>
        confirmed('add_ticket_comment', args, extra._meta, `Add this comment to ${args.ticket_id}?`, () => {
          this.comments.push(args);
          return {
            ticket_id: args.ticket_id,
            comment_id: this.comments.length,
            created_at: new Date().toISOString(),
            created: true,
          };
        }),
    );
    return server;
  }

  /** A client connected to a fresh server over a linked in-memory pair, as the agent sees it. */
  async connect(): Promise<CrmTools> {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = this.#server();
    await server.connect(serverSide);
    const client = new Client({ name: 'test-agent', version: '0' });
    await client.connect(clientSide);
    return {
      listTools: async () => (await client.listTools()).tools,
      callTool: async (name, args, meta) =>
        (await client.callTool(
          meta ? { name, arguments: args, _meta: meta } : { name, arguments: args },
        )) as CallToolResult,
      close: async () => {
        await client.close();
        await server.close();
      },
    };
  }
}
