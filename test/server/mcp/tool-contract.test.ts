import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../../shared/scopes.js';
import { mcpClient } from '../../helpers/mcp.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { ALL_VISITOR_SCOPES, tokenWith } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

async function listed(sub: string, scopes: Scope[]) {
  const client = await mcpClient(server, await tokenWith(server, { sub, scopes }));
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

/**
 * The prompt-facing contract (names, titles, descriptions, schemas, annotations) as the wire shows
 * it. A change to any of it fails here until the snapshot is updated on purpose (`vitest -u`).
 */
describe('tool contract', () => {
  it('matches the snapshot for a signed-in visitor with every visitor scope', async () => {
    const tools = await listed('cus_alice', ALL_VISITOR_SCOPES);
    await expect(JSON.stringify(tools, null, 2)).toMatchFileSnapshot('__toolsnaps__/visitor.json');
  });

  it('matches the snapshot for staff (crm.any adds an optional customer_id)', async () => {
    const tools = await listed('staff:dana', [...ALL_VISITOR_SCOPES, 'crm.any']);
    await expect(JSON.stringify(tools, null, 2)).toMatchFileSnapshot('__toolsnaps__/staff.json');
  });

  it('matches the snapshot for an anonymous visitor (create_ticket asks for a contact email)', async () => {
    const tools = await listed('anon:x', ['crm.ticket.create']);
    await expect(JSON.stringify(tools, null, 2)).toMatchFileSnapshot('__toolsnaps__/anonymous.json');
  });

  it('gives every tool a title, a description, described fields, strict inputs, an output schema and all hints', async () => {
    const tools = await listed('staff:dana', [...ALL_VISITOR_SCOPES, 'crm.any']);
    expect(tools.map((t) => t.name)).toEqual([
      'get_customer_info',
      'get_ticket_status',
      'list_my_tickets',
      'update_phone_number',
      'create_ticket',
      'add_ticket_comment',
    ]);
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.description?.length, t.name).toBeGreaterThan(40);
      expect(t.inputSchema.additionalProperties, t.name).toBe(false);
      for (const [field, schema] of Object.entries(t.inputSchema.properties ?? {})) {
        expect((schema as { description?: string }).description, `${t.name}.${field}`).toBeTruthy();
      }
      expect(t.outputSchema?.type, t.name).toBe('object');
      expect(t.annotations).toMatchObject({ openWorldHint: false });
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint'] as const) {
        expect(typeof t.annotations?.[hint], `${t.name}.${hint}`).toBe('boolean');
      }
    }
  });
});
