import { describe, expect, it } from 'vitest';
import type { McpCaller } from '../../../server/mcp/auth.js';
import { toolsFor } from '../../../server/mcp/server.js';
import { SCOPES } from '../../../shared/scopes.js';

type Schema = {
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

/** Every property at any depth (objects, arrays, unions) whose schema has no description. */
function undescribed(schema: Schema, path: string): string[] {
  const out: string[] = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const at = `${path}.${name}`;
    if (!prop.description?.trim()) out.push(at);
    out.push(...undescribed(prop, at));
  }
  const items = schema.items === undefined ? [] : Array.isArray(schema.items) ? schema.items : [schema.items];
  for (const sub of [...items, ...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
    out.push(...undescribed(sub, `${path}[]`));
  return out;
}

const CALLERS: Pick<McpCaller, 'scopes' | 'staff' | 'anonymous'>[] = [
  { scopes: [...SCOPES], staff: false, anonymous: false },
  { scopes: [...SCOPES], staff: true, anonymous: false },
  { scopes: [...SCOPES], staff: false, anonymous: true },
];

/**
 * A model picks tools and fills arguments from these texts alone (docs/architecture.md §4), and the
 * conformance suite's tools-list scenario requires a description on every tool.
 */
describe('tool and parameter descriptions', () => {
  it.each(CALLERS.map((c) => [c.staff ? 'staff' : c.anonymous ? 'anonymous' : 'visitor', c] as const))(
    'every tool, input field and output field is described (%s)',
    (_kind, caller) => {
      const tools = toolsFor(caller);
      expect(tools.length).toBeGreaterThan(0);
      const missing: string[] = [];
      for (const tool of tools) {
        if ((tool.description ?? '').trim().length < 40) missing.push(`${tool.name}: description`);
        if (!tool.title) missing.push(`${tool.name}: title`);
        missing.push(...undescribed(tool.inputSchema as Schema, `${tool.name} input`));
        missing.push(...undescribed((tool.outputSchema ?? {}) as Schema, `${tool.name} output`));
      }
      expect(missing).toEqual([]);
    },
  );
});
