import type { ToolResultForModel } from './model.js';

/**
 * Results the loop itself gives the model instead of a tool's answer (coded in one place).
 * They use the MCP server's error shape, `{"error": code, "message": …}`, so models read both alike.
 */
export const LOOP_ERRORS = {
  unknown_tool: 'There is no such tool. Use only the tools you were given.',
  invalid_json: 'The arguments were not valid JSON, so the tool was not called.',
  tool_limit: 'The tool call limit for this turn was reached; answer the visitor with what you have.',
  tool_timeout: 'The tool did not answer in time.',
  tool_unreachable: 'The tool could not be reached.',
  tool_rejected: 'The tool server refused the call as malformed; nothing was done.',
  declined: 'The visitor declined the change; nothing was changed.',
  confirmation_expired: 'The visitor did not confirm in time; nothing was changed.',
  withdrawn: 'The visitor wrote something else instead of confirming; nothing was changed.',
  confirmation_malformed: 'The change could not be offered for confirmation; nothing was changed.',
} as const;

export type LoopErrorCode = keyof typeof LOOP_ERRORS;

/** A tool result carrying one of the loop's own error codes. */
export function loopError(code: LoopErrorCode): ToolResultForModel {
  const message = LOOP_ERRORS[code];
  return {
    isError: true,
    text: JSON.stringify({ error: code, message }),
    data: { error: { code }, message },
  };
}
