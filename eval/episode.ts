import type { Model } from '../server/agent/model.js';
import { expectedHash } from './state.js';
import type { Task } from './tasks.js';
import { ScriptedUser } from './user.js';
import { type EvalWorld, evalSink, Transcript } from './world.js';

export interface EpisodeResult {
  task: string;
  seed: number;
  passed: boolean;
  /** Why it failed, for the report. */
  reasons: string[];
  turns: number;
  transcript: string[];
}

/**
 * One trial of a task (τ-bench style): the scripted user talks to the agent until it asks nothing
 * more; reward is 1 only if the database ends in the reference state and every fact was said.
 */
export async function runEpisode(
  world: EvalWorld,
  model: Model,
  task: Task,
  seed: number,
): Promise<EpisodeResult> {
  await world.reset();
  const user = new ScriptedUser(task, seed);
  const agent = world.agent(task.customer, model, `${task.id}_${seed}`);
  const transcript = new Transcript();
  const lines: string[] = [];
  const replies: string[] = [];
  const sink = evalSink((summary) => user.confirm(summary));
  const signal = AbortSignal.timeout(20_000);
  try {
    let message: string | null = user.opener();
    while (message !== null) {
      transcript.add('visitor', message);
      lines.push(`visitor: ${message}`);
      const reply = await agent.reply(transcript.messages, sink, signal);
      transcript.add('assistant', reply);
      lines.push(`agent: ${reply.slice(0, 300)}`);
      replies.push(reply);
      message = user.answer(reply);
    }
  } finally {
    await agent.close();
  }
  const said = replies.join('\n').toLowerCase();
  // Phones are said the way people write them (+44 20 7946 0958); facts name them in E.164.
  const saidCompact = said.replace(/(?<=\+\d[\d ]*)\s(?=\d)/g, '');
  const reasons: string[] = [];
  if (world.hash() !== expectedHash(task.changes)) reasons.push('database differs from the reference');
  for (const fact of task.facts)
    if (!saidCompact.includes(fact.toLowerCase())) reasons.push(`missing fact "${fact}"`);
  for (const bad of task.forbidden ?? [])
    if (said.includes(bad.toLowerCase())) reasons.push(`said forbidden "${bad.slice(0, 40)}"`);
  if (task.card && !sink.cards.some((c) => c.includes(task.card ?? '')))
    reasons.push(`no confirm card showing "${task.card}"`);
  return { task: task.id, seed, passed: reasons.length === 0, reasons, turns: user.turns, transcript: lines };
}
