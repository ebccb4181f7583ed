import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { cleanCrmData, escapeMarkdown } from './crm-text.js';
import type { ToolResultForModel, ToolSpec } from './model.js';

/** Tool text entering model context is bounded (I4) and always passed as data. */
export const MAX_TOOL_TEXT = 2000;

/**
 * Turns an MCP result into what the model sees: text bounded to MAX_TOOL_TEXT (I4), structured data
 * for models that read fields, and never a confirmation state (the loop keeps that, docs/architecture.md §1.2).
 */
export function toModelResult(result: CallToolResult): ToolResultForModel {
  let text = result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
  // CRM text is data (D1–D4): controls and bidi overrides out, long values cut, before any model
  // reads it. Models that write markdown get the values escaped, so a subject that is a link stays
  // text when a model quotes it; the rules model escapes where it interpolates (replies.ts).
  let data: Record<string, unknown> | null =
    result.structuredContent && typeof result.structuredContent === 'object'
      ? cleanCrmData(result.structuredContent as Record<string, unknown>)
      : null;
  if (data && !result.isError) text = JSON.stringify(escapeDeep(data));
  if (result.isError && !data) {
    const parsed = parseErrorText(text);
    if (parsed) {
      data = parsed.data;
      text = parsed.text;
    }
  }
  return {
    isError: result.isError === true,
    text: text.length > MAX_TOOL_TEXT ? `${text.slice(0, MAX_TOOL_TEXT)}… [truncated]` : text,
    data,
  };
}

/**
 * Deputy's MCP errors are `{"error": code, "message": …}` text; anything else has no code. A
 * `confirmation` object is dropped from both the text and the data, whatever the code says.
 */
function parseErrorText(text: string): { text: string; data: Record<string, unknown> } | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { error?: unknown }).error === 'string') {
      const { error, confirmation: _hidden, ...rest } = parsed as { error: string; confirmation?: unknown };
      return { text: JSON.stringify({ error, ...rest }), data: { ...rest, error: { code: error } } };
    }
  } catch {
    // Plain text from another server (or the SDK's own validation errors).
  }
  return null;
}

function escapeDeep(value: unknown): unknown {
  if (typeof value === 'string') return escapeMarkdown(value);
  if (Array.isArray(value)) return value.map(escapeDeep);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDeep(v)]));
  return value;
}

export function toToolSpec(tool: Tool): ToolSpec {
  return {
    name: tool.name,
    description: tool.description ?? '',
    inputSchema: tool.inputSchema as Record<string, unknown>,
    readOnly: tool.annotations?.readOnlyHint === true,
  };
}
