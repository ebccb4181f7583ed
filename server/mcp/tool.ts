import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Scope } from '../../shared/scopes.js';
import type { CrmAdapter } from '../crm/adapter.js';
import type { McpCaller } from './auth.js';

/** Everything a tool handler may use: the verified caller and the CRM. Nothing from the model. */
export interface ToolContext {
  caller: McpCaller;
  crm: CrmAdapter;
  /** `_meta` of the tools/call request (carries confirmation state for writes). */
  meta: Record<string, unknown> | undefined;
}

/** Customer-safe error codes a tool can answer with. */
export type ToolErrorCode =
  | 'not_found'
  | 'insufficient_scope'
  | 'invalid_argument'
  | 'invalid_phone'
  | 'ticket_closed'
  | 'confirmation_required'
  | 'confirmation_invalid'
  | 'sign_in_required'
  | 'internal';

export type ToolOutcome =
  | { ok: true; data: Record<string, unknown>; text: string }
  | { ok: false; code: ToolErrorCode; message: string; data?: Record<string, unknown> };

export interface ToolDefinition<In extends z.ZodType = z.ZodType, Out extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  /** The scope that must be present for the tool to be listed and called. */
  scope: Scope;
  annotations: ToolAnnotations;
  /** Visitor schemas never have a customer field; staff schemas (crm.any) may (DESIGN §4). */
  input(caller: McpCaller): In;
  output: Out;
  run(args: z.infer<In>, ctx: ToolContext): Promise<ToolOutcome>;
}

/** Keeps each tool file's types precise while the registry holds them uniformly. */
export function defineTool<In extends z.ZodType, Out extends z.ZodObject>(
  def: ToolDefinition<In, Out>,
): ToolDefinition {
  return def as unknown as ToolDefinition;
}

/** CRM text entering model context is bounded (I4). */
export function bound(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}… [truncated]` : text;
}
