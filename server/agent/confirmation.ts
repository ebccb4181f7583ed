import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The `_meta` key carrying a confirmation state back to the MCP server. */
export const CONFIRMATION_META_KEY = 'io.deputy/confirmation';

/** A write the MCP server wants the visitor to confirm; `state` never reaches the model. */
export interface ConfirmationRequest {
  state: string;
  summary: string;
  expiresAt: string;
}

const MAX_STATE = 4096;
const MAX_SUMMARY = 500;

/** The first text content of a result parsed as JSON, or null. */
function errorBody(result: CallToolResult): Record<string, unknown> | null {
  if (result.isError !== true) return null;
  const first = result.content.find((c) => c.type === 'text');
  if (first?.type !== 'text') return null;
  try {
    const parsed: unknown = JSON.parse(first.text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Whether the result is a `confirmation_required` answer (well-formed or not). */
export function isConfirmationRequired(result: CallToolResult): boolean {
  return errorBody(result)?.error === 'confirmation_required';
}

/**
 * Reads the confirmation contract out of a `confirmation_required` result:
 * `{error, message, confirmation: {state, summary, expires_at}}`. Null when it is not one, or when
 * a field is missing or out of bounds (then the loop offers nothing and writes nothing).
 */
export function readConfirmation(result: CallToolResult): ConfirmationRequest | null {
  const body = errorBody(result);
  if (body?.error !== 'confirmation_required') return null;
  const c = body.confirmation;
  if (!c || typeof c !== 'object') return null;
  const { state, summary, expires_at } = c as Record<string, unknown>;
  if (typeof state !== 'string' || state.length === 0 || state.length > MAX_STATE) return null;
  if (typeof summary !== 'string' || summary.length === 0) return null;
  if (typeof expires_at !== 'string' || Number.isNaN(Date.parse(expires_at))) return null;
  return { state, summary: summary.slice(0, MAX_SUMMARY), expiresAt: new Date(expires_at).toISOString() };
}
