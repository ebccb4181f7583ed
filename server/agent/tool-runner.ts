import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { localSummary } from './confirm-text.js';
import { CONFIRMATION_META_KEY, isConfirmationRequired, readConfirmation } from './confirmation.js';
import type { ConfirmAnswer, TurnSink } from './loop.js';
import { type LoopErrorCode, loopError } from './loop-errors.js';
import type { CrmTools } from './mcp-client.js';
import type { ToolCall, ToolResultForModel, ToolSpec } from './model.js';
import { toolDoneLabel, toolLabel, toolStoppedLabel } from './tool-labels.js';
import { toModelResult } from './tool-results.js';

export interface ToolRunContext {
  tools: CrmTools;
  specs: ReadonlyMap<string, ToolSpec>;
  sink: TurnSink;
  toolTimeoutMs: number;
  /**
   * Writes already settled in this turn, by tool and arguments: the same write asked again (W1, or a
   * model repeating itself after a decline) gets the earlier answer without a second card or call.
   */
  settledWrites: Map<string, ToolResultForModel>;
  /** The visitor's locale, for the chips' labels. */
  locale: string;
}

/**
 * Runs one tool call as the model asked, never trusting it: unknown tools and unparsable arguments
 * are answered without calling anything (S6, F5); a write goes through the visitor's confirmation.
 */
export async function runToolCall(call: ToolCall, ctx: ToolRunContext): Promise<ToolResultForModel> {
  const label = toolLabel(call.name, call.args, ctx.locale);
  const spec = ctx.specs.get(call.name);
  if (!spec) return report(ctx, call, loopError('unknown_tool'));
  if (call.args === null) return report(ctx, call, loopError('invalid_json'));
  const args = call.args;
  if (spec.readOnly) {
    ctx.sink.tool(call.id, call.name, label, 'running');
    return report(ctx, call, await callWithin(ctx, call.name, args));
  }
  const key = `${call.name}\u0000${stableJson(args)}`;
  const settled = ctx.settledWrites.get(key);
  if (settled) return settled;
  ctx.sink.tool(call.id, call.name, label, 'running');
  const result = await runWrite(call.name, args, ctx);
  if (!isRetryableFailure(result)) ctx.settledWrites.set(key, result);
  return report(ctx, call, result);
}

/**
 * A write: the first call answers `confirmation_required`; the state is kept here, the visitor sees
 * a card, and only their Confirm sends the same call again with the state in `_meta`.
 */
async function runWrite(
  name: string,
  args: Record<string, unknown>,
  ctx: ToolRunContext,
): Promise<ToolResultForModel> {
  const earlier = await ctx.sink.settled?.(name, args);
  if (earlier) return earlier;
  const first = await callRaw(ctx, name, args);
  if (!first.ok) return loopError(first.code);
  if (!isConfirmationRequired(first.result)) return toModelResult(first.result);
  const request = readConfirmation(first.result);
  if (!request) return loopError('confirmation_malformed');
  const answer = await ctx.sink.confirm({
    tool: name,
    summary: localSummary(name, args, request.summary, ctx.locale),
    expiresAt: request.expiresAt,
    args,
    state: request.state,
  });
  const { outcome, result }: ConfirmAnswer = typeof answer === 'string' ? { outcome: answer } : answer;
  if (outcome === 'declined') return loopError('declined');
  if (outcome === 'expired') return loopError('confirmation_expired');
  if (outcome === 'withdrawn') return loopError('withdrawn');
  // Confirmed and already written where the click arrived (docs/scaling.md).
  if (result) return result;
  return confirmedCall(ctx, name, args, request.state);
}

/** The confirmed call: the same call again, with the signed state in `_meta`. */
export async function confirmedCall(
  ctx: Pick<ToolRunContext, 'tools' | 'toolTimeoutMs'>,
  name: string,
  args: Record<string, unknown>,
  state: string,
): Promise<ToolResultForModel> {
  const second = await callRaw(ctx, name, args, { [CONFIRMATION_META_KEY]: state });
  if (!second.ok) return loopError(second.code);
  // A server asking again after a Confirm is not obeyed twice: the state is never shown to the model.
  if (isConfirmationRequired(second.result)) return loopError('confirmation_malformed');
  return toModelResult(second.result);
}

async function callWithin(
  ctx: ToolRunContext,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolResultForModel> {
  const raw = await callRaw(ctx, name, args);
  if (!raw.ok) return loopError(raw.code);
  // A read tool has no business asking for confirmation; never pass a state on to the model.
  if (isConfirmationRequired(raw.result)) return loopError('confirmation_malformed');
  return toModelResult(raw.result);
}

/** One MCP call bounded by the per-tool timeout; failures become loop error codes. */
async function callRaw(
  ctx: Pick<ToolRunContext, 'tools' | 'toolTimeoutMs'>,
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>,
): Promise<{ ok: true; result: CallToolResult } | { ok: false; code: LoopErrorCode }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: false; code: LoopErrorCode }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, code: 'tool_timeout' }), ctx.toolTimeoutMs);
  });
  try {
    const call = ctx.tools.callTool(name, args, meta).then((result) => ({ ok: true as const, result }));
    return await Promise.race([call, timeout]);
  } catch (err) {
    return { ok: false, code: isRefusal(err) ? 'tool_rejected' : 'tool_unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A call the MCP server refused outright (HTTP 4xx such as a body with `__proto__`, F7, or a
 * JSON-RPC invalid-params error) rather than one that never got an answer.
 */
function isRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && ((code >= 400 && code < 500) || code === -32602 || code === -32600);
}

function isRetryableFailure(result: ToolResultForModel): boolean {
  const code = (result.data?.error as { code?: unknown } | undefined)?.code;
  return code === 'tool_timeout' || code === 'tool_unreachable';
}

function report(ctx: ToolRunContext, call: ToolCall, result: ToolResultForModel): ToolResultForModel {
  // A finished chip drops the ellipsis: "Looked up ticket T-1001"; a refused or declined one says
  // it stopped, so a declined write never reads as done.
  const final = result.isError
    ? toolStoppedLabel(call.name, call.args, ctx.locale)
    : toolDoneLabel(call.name, call.args, ctx.locale);
  ctx.sink.tool(call.id, call.name, final, result.isError ? 'error' : 'done');
  return result;
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` are the same write. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
