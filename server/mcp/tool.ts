import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { CountryCode } from 'libphonenumber-js';
import type { z } from 'zod';
import type { Scope } from '../../shared/scopes.js';
import type { CrmAdapter } from '../crm/adapter.js';
import type { McpCaller } from './auth.js';
import type { Confirmations } from './confirmation.js';
import { TOOL_ERRORS, type ToolErrorCode } from './errors.js';

export type { ToolErrorCode } from './errors.js';

/** Everything a tool handler may use: the verified caller and the CRM. Nothing from the model. */
export interface ToolContext {
  caller: McpCaller;
  /** The CRM of the caller's site (docs/architecture.md §11). */
  crm: CrmAdapter;
  /**
   * The caller's own customer id in that CRM: the token's `sub`, or with identity "email" the record
   * found by the token's verified email. Null when the CRM does not know the visitor.
   */
  self(): Promise<string | null>;
  /** `_meta` of the tools/call request (carries confirmation state for writes). */
  meta: Record<string, unknown> | undefined;
  confirmations: Confirmations;
  /** Default country for phone numbers typed without a country code (the caller's site). */
  phoneCountry: CountryCode;
  /** Aborted when the client cancels the request (notifications/cancelled, or it went away). */
  signal: AbortSignal;
  /** From now on the client's cancellation no longer stops this call's CRM work (a write has begun). */
  shield(): void;
}

export type ToolOutcome =
  | { ok: true; data: Record<string, unknown>; text: string }
  | { ok: false; code: ToolErrorCode; message: string; data?: Record<string, unknown> };

/** The three shapes a tool's input can take, each built once at module load (docs/architecture.md §4). */
export interface ToolInputs<V extends z.ZodObject = z.ZodObject, S extends z.ZodObject = z.ZodObject> {
  /** Signed-in visitor: never a customer field. */
  visitor: V;
  /** Staff (`crm.any`): may name a customer with an optional `customer_id`. */
  staff: S;
  /** Anonymous visitor, when different from `visitor` (create_ticket asks for a contact email). */
  anonymous?: z.ZodObject;
}

export interface ToolDefinition<
  V extends z.ZodObject = z.ZodObject,
  S extends z.ZodObject = z.ZodObject,
  Out extends z.ZodObject = z.ZodObject,
> {
  name: string;
  title: string;
  description: string;
  /** The scope that must be present for the tool to be listed and called. */
  scope: Scope;
  annotations: ToolAnnotations;
  inputs: ToolInputs<V, S>;
  output: Out;
  run(args: z.infer<V> & Partial<z.infer<S>>, ctx: ToolContext): Promise<ToolOutcome>;
}

/** Keeps each tool file's types precise while the registry holds them uniformly. */
export function defineTool<V extends z.ZodObject, S extends z.ZodObject, Out extends z.ZodObject>(
  def: ToolDefinition<V, S, Out>,
): ToolDefinition {
  return def as unknown as ToolDefinition;
}

/** The input schema a caller sees and is validated against. */
export function inputFor(tool: ToolDefinition, caller: McpCaller): z.ZodObject {
  if (caller.staff) return tool.inputs.staff;
  if (caller.anonymous && tool.inputs.anonymous) return tool.inputs.anonymous;
  return tool.inputs.visitor;
}

/** CRM text entering model context is bounded (I4). */
export function bound(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}… [truncated]` : text;
}

/** A failed outcome with the code's default text unless a more specific one is given. */
export function failure(code: ToolErrorCode, message?: string, data?: Record<string, unknown>): ToolOutcome {
  return data
    ? { ok: false, code, message: message ?? TOOL_ERRORS[code], data }
    : { ok: false, code, message: message ?? TOOL_ERRORS[code] };
}

/** A successful outcome: structured content plus its text copy. */
export function success(data: Record<string, unknown>): ToolOutcome {
  return { ok: true, data, text: JSON.stringify(data) };
}

/**
 * The customer a call acts for: always the caller's own record, except that staff (`crm.any`) may name
 * one with `customer_id` (visitor schemas have no such field, so `args` cannot carry one for them).
 * Null when the CRM does not know the signed-in visitor.
 */
export function targetCustomer(
  ctx: Pick<ToolContext, 'caller' | 'self'>,
  args: { customer_id?: string | undefined },
): Promise<string | null> {
  return ctx.caller.staff && args.customer_id ? Promise.resolve(args.customer_id) : ctx.self();
}

/** Maps an outcome onto a CallToolResult with structuredContent and a text copy. */
export function toResult(outcome: ToolOutcome): CallToolResult {
  if (outcome.ok) {
    return { content: [{ type: 'text', text: outcome.text }], structuredContent: outcome.data };
  }
  // No structuredContent on errors: clients validate it against the tool's output schema.
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text: JSON.stringify({ error: outcome.code, message: outcome.message, ...outcome.data }),
      },
    ],
  };
}
