import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolResultForModel, ToolSpec } from './model.js';

/** Tool text entering model context is bounded (I4) and always passed as data. */
export const MAX_TOOL_TEXT = 2000;

/**
 * Turns an MCP result into what the model sees: text bounded to MAX_TOOL_TEXT (I4), structured data
 * for models that read fields, and never a confirmation state (the loop keeps that, DESIGN §1.2).
 */
export function toModelResult(result: CallToolResult): ToolResultForModel {
  let text = result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
  let data: Record<string, unknown> | null =
    result.structuredContent && typeof result.structuredContent === 'object'
      ? (result.structuredContent as Record<string, unknown>)
      : null;
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

export function toToolSpec(tool: Tool): ToolSpec {
  return {
    name: tool.name,
    description: tool.description ?? '',
    inputSchema: tool.inputSchema as Record<string, unknown>,
    readOnly: tool.annotations?.readOnlyHint === true,
  };
}

/** What the widget shows while a tool runs ("Looking up ticket T-1001…"). */
export function toolLabel(name: string, args: Record<string, unknown> | null): string {
  const ticket = typeof args?.ticket_id === 'string' ? args.ticket_id : null;
  switch (name) {
    case 'get_ticket_status':
      return ticket ? `Looking up ticket ${ticket}…` : 'Looking up your ticket…';
    case 'get_customer_info':
      return 'Looking up your details…';
    case 'list_my_tickets':
      return 'Looking up your tickets…';
    case 'update_phone_number':
      return 'Updating your phone number…';
    case 'create_ticket':
      return 'Opening a ticket…';
    case 'add_ticket_comment':
      return ticket ? `Adding a comment to ${ticket}…` : 'Adding a comment…';
    default:
      return 'Working on it…';
  }
}

/** What a finished chip says ("Looked up ticket T-1001"): no ellipsis once nothing is running. */
export function toolDoneLabel(name: string, args: Record<string, unknown> | null): string {
  const ticket = typeof args?.ticket_id === 'string' ? args.ticket_id : null;
  switch (name) {
    case 'get_ticket_status':
      return ticket ? `Looked up ticket ${ticket}` : 'Looked up your ticket';
    case 'get_customer_info':
      return 'Looked up your details';
    case 'list_my_tickets':
      return 'Looked up your tickets';
    case 'update_phone_number':
      return 'Updated your phone number';
    case 'create_ticket':
      return 'Opened a ticket';
    case 'add_ticket_comment':
      return ticket ? `Added a comment to ${ticket}` : 'Added a comment';
    default:
      return 'Done';
  }
}
