/**
 * Where a visitor turn's time goes, for the turn benchmark's latency profile (bench/turns.ts,
 * bench/FINDINGS.md "The tail at the steady rate"). Nothing in the server installs a tracer: the
 * benchmark's server child does. Uninstalled, each mark is one call and a null check.
 */

/** The points of a turn that are marked, in order. */
export type TurnPhase =
  /** The visitor's message frame was taken off the socket. */
  | 'received'
  /** It was stored (its group commit done): the ack is queued. */
  | 'stored'
  /** The conversation's turn queue ran the turn. */
  | 'started'
  /** The owner, the context and the guard were read: the agent runs. */
  | 'agent'
  /** A tool chip went out as running, then as done (the MCP call in between). */
  | 'tool'
  | 'toolDone'
  /** The agent returned the reply text. */
  | 'replied'
  /** The reply was stored and its frame queued. */
  | 'done';

export interface TurnTracer {
  /** `clientId` is given with `received`: the load generator matches its own times by it. */
  mark(conversationId: string, phase: TurnPhase, clientId?: string): void;
  /** One group commit: what it wrote, how many rows, and how long it held the event loop (ms). */
  commit(what: 'messages' | 'audit', rows: number, ms: number): void;
}

let tracer: TurnTracer | null = null;

/** Installs (or with null removes) the process's tracer. */
export function traceTurns(t: TurnTracer | null): void {
  tracer = t;
}

export function turnMark(conversationId: string, phase: TurnPhase, clientId?: string): void {
  tracer?.mark(conversationId, phase, clientId);
}

/** The installed tracer's commit hook, or null: callers time a commit only when someone listens. */
export function commitTracer(): TurnTracer | null {
  return tracer;
}
