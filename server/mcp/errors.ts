/**
 * Every error code an MCP tool can answer with, and its customer-safe default text. Error results
 * are `isError` with text JSON `{"error": code, "message": …}` (never structuredContent); CRM
 * internals, SQL and stack traces never appear in them. Each code is documented in
 * docs/security-model.md, and a test checks that.
 */
export const TOOL_ERRORS = {
  not_found: 'That record was not found.',
  insufficient_scope: 'You do not have permission to do that.',
  unknown_tool: 'There is no such tool.',
  invalid_argument: 'Some of the details given are not valid.',
  invalid_phone: 'That does not look like a valid phone number. Please double-check it.',
  ticket_closed: 'That ticket is closed, so it cannot take new comments. Please open a new ticket.',
  sign_in_required: 'Please sign in first.',
  confirmation_required: 'This change needs your confirmation.',
  confirmation_invalid: 'That confirmation is not valid any more. Nothing was changed; please ask again.',
  customer_unknown:
    'We could not find your customer record in our system. You can still open a ticket (we will reply by email) or ask to talk to a person.',
  crm_unavailable: 'Our records system is not answering right now. Please try again in a few minutes.',
  not_supported: 'This CRM does not support that through Deputy; do it in the CRM itself.',
  status_not_mapped:
    "None of this CRM's statuses is mapped to that status; map one in the site's statusMap, or change it in the CRM itself.",
  internal: 'Something went wrong while doing that. Please try again later.',
  cancelled: 'The request was cancelled before it changed anything.',
} as const satisfies Record<string, string>;

export type ToolErrorCode = keyof typeof TOOL_ERRORS;
