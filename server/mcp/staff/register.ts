import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { hasScope } from '../../../shared/scopes.js';
import type { McpCaller } from '../auth.js';
import type { CrmServerDeps, Method, MethodContext } from '../server.js';
import { failure, type ToolOutcome, toResult } from '../tool.js';
import { STAFF_TOOLS } from './index.js';
import { STAFF_RESOURCE_METHODS } from './resources.js';
import { auditStaff, guarded, staffContext } from './staff-call.js';

const BY_NAME = new Map(STAFF_TOOLS.map((t) => [t.name, t]));
const schemas = new WeakMap<z.ZodObject, Tool['inputSchema']>();
function jsonSchema(schema: z.ZodObject, strategy: 'input' | 'output'): Tool['inputSchema'] {
  let out = schemas.get(schema);
  if (!out) {
    out = toJsonSchemaCompat(schema, { strictUnions: true, pipeStrategy: strategy }) as Tool['inputSchema'];
    schemas.set(schema, out);
  }
  return out;
}

/** The staff tools a caller's scopes allow, with their contracts. */
export function staffToolsFor(caller: Pick<McpCaller, 'scopes'>): Tool[] {
  return STAFF_TOOLS.filter((t) => hasScope(caller.scopes, t.scope)).map((t) => ({
    name: t.name,
    title: t.title,
    description: t.description,
    inputSchema: jsonSchema(t.input, 'input'),
    outputSchema: jsonSchema(t.output, 'output'),
    annotations: { title: t.title, ...t.annotations },
  }));
}

/**
 * An operator's methods (docs/staff-mcp.md): the staff tools instead of the visitor's, and the
 * customer resources. Only callers whose token came from the OAuth flow get them; every call is
 * audited with the operator as subject and reaches only their site's CRM.
 */
export const STAFF_METHODS: [string, Method][] = [
  [
    'tools/list',
    {
      schema: ListToolsRequestSchema,
      handle: (_req, { caller }: MethodContext) => ({ tools: staffToolsFor(caller) }),
    },
  ],
  [
    'tools/call',
    {
      schema: CallToolRequestSchema,
      handle: (req: CallToolRequest, { caller, deps }: MethodContext) =>
        callStaffTool(req.params.name, req.params.arguments, caller, deps),
    },
  ],
  ...STAFF_RESOURCE_METHODS,
];

async function callStaffTool(
  name: string,
  args: unknown,
  caller: McpCaller,
  deps: CrmServerDeps,
): Promise<CallToolResult> {
  const started = performance.now();
  const tool = BY_NAME.get(name);
  let outcome: ToolOutcome;
  if (!tool) outcome = failure('unknown_tool');
  else if (!hasScope(caller.scopes, tool.scope)) outcome = failure('insufficient_scope');
  else {
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map(
          (i) =>
            `${i.path.length ? i.path.map(String).join('.').slice(0, 40) : 'arguments'}: ${i.message.slice(0, 120)}`,
        );
      outcome = failure('invalid_argument', `Invalid arguments for ${tool.name}: ${issues.join('; ')}`);
    } else {
      outcome = await guarded(deps, tool.name, async () => {
        const c = await staffContext(caller, deps);
        if (!c.ok) return c.outcome;
        const out = await tool.run(parsed.data, c.ctx);
        if (out.ok && !tool.output.safeParse(out.data).success) {
          deps.log?.error({ tool: tool.name }, 'staff tool result does not match its output schema');
          return failure('internal');
        }
        return out;
      });
    }
  }
  await auditStaff(deps, caller, tool ? tool.name : name, args, outcome, started);
  return toResult(outcome);
}
