import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR } from '../../../server/console/plugin.js';
import { mcpClient } from '../../helpers/mcp.js';
import { operatorTokens } from '../../helpers/oauth.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

/** The staff tools' prompt-facing contract (docs/staff-mcp.md), as an operator's client lists it. */
describe('staff tool contract', () => {
  it('matches the snapshot, and every tool and field is described, strict, annotated', async () => {
    const { accessToken } = await operatorTokens(server, {
      email: DEMO_OPERATOR.email,
      password: DEMO_OPERATOR.password,
    });
    const client = await mcpClient(server, accessToken);
    const { tools } = await client.listTools();
    const { resourceTemplates } = await client.listResourceTemplates();
    await client.close();
    await expect(JSON.stringify({ tools, resourceTemplates }, null, 2)).toMatchFileSnapshot(
      '__toolsnaps__/operator.json',
    );
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.description, t.name).toMatch(/^Staff only\./);
      expect(t.inputSchema.additionalProperties, t.name).toBe(false);
      for (const [field, schema] of Object.entries(t.inputSchema.properties ?? {})) {
        expect((schema as { description?: string }).description, `${t.name}.${field}`).toBeTruthy();
      }
      expect(t.outputSchema?.type, t.name).toBe('object');
      expect(t.annotations).toMatchObject({ openWorldHint: false });
      // Writes say so; reads say they are reads.
      expect(t.annotations?.readOnlyHint, t.name).toBe(
        !['set_ticket_status', 'comment_on_ticket'].includes(t.name),
      );
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint'] as const) {
        expect(typeof t.annotations?.[hint], `${t.name}.${hint}`).toBe('boolean');
      }
    }
  });
});
