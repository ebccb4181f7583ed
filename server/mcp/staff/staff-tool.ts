import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Scope } from '../../../shared/scopes.js';
import type { CrmAdapter } from '../../crm/adapter.js';
import type { McpCaller } from '../auth.js';
import type { Confirmations } from '../confirmation.js';
import type { ToolOutcome } from '../tool.js';

/** The signed-in operator behind an OAuth-issued token, as the staff tools see them. */
export interface StaffOperator {
  id: string;
  name: string;
  email: string;
  site: string;
}

/** A conversation waiting for a person, as the queue tool and resources show it. */
export interface QueuedConversation {
  conversation_id: string;
  customer_id: string | null;
  queued_at: string | null;
  reason: string | null;
}

/** What the staff side needs beyond the CRM: the operator's record and the site's handoff queue. */
export interface StaffDeps {
  operator(id: string): Promise<StaffOperator | null>;
  queue(site: string, limit: number): Promise<QueuedConversation[]>;
}

export interface StaffContext {
  caller: McpCaller;
  operator: StaffOperator;
  /** The CRM of the operator's own site: the only one a staff call can reach. */
  crm: CrmAdapter;
  staff: StaffDeps;
  confirmations: Confirmations;
}

/** A tool only operator tokens see (docs/staff-mcp.md): one input schema, no visitor variant. */
export interface StaffTool<In extends z.ZodObject = z.ZodObject, Out extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  scope: Scope;
  annotations: ToolAnnotations;
  input: In;
  output: Out;
  run(args: z.infer<In>, ctx: StaffContext): Promise<ToolOutcome>;
}

export function defineStaffTool<In extends z.ZodObject, Out extends z.ZodObject>(
  def: StaffTool<In, Out>,
): StaffTool {
  return def as unknown as StaffTool;
}
