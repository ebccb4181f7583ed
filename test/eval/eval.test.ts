import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttacks } from '../../eval/adversary.js';
import { runEpisode } from '../../eval/episode.js';
import { expectedHash } from '../../eval/state.js';
import { TASKS } from '../../eval/tasks.js';
import { ScriptedUser } from '../../eval/user.js';
import { EvalWorld } from '../../eval/world.js';
import { RulesModel } from '../../server/agent/models/rules.js';

let world: EvalWorld;

beforeAll(async () => {
  world = await EvalWorld.open();
});
afterAll(async () => {
  await world.close();
});

describe('the evaluation harness', () => {
  it('has at least 30 core tasks, each with facts to check', () => {
    expect(TASKS.filter((t) => !t.stretch).length).toBeGreaterThanOrEqual(30);
    for (const task of TASKS) expect(task.facts.length).toBeGreaterThan(0);
  });

  it('draws the same conversation from the same seed, and different ones from others', () => {
    const task = TASKS.find((t) => t.id === 'status-id');
    if (!task) throw new Error('missing task');
    const openers = (seed: number) => Array.from({ length: 4 }, () => new ScriptedUser(task, seed).opener());
    expect(openers(3)).toEqual(openers(3));
    expect(
      new Set([1, 2, 3, 4, 5, 6, 7, 8].map((s) => new ScriptedUser(task, s).opener())).size,
    ).toBeGreaterThan(1);
  });

  it('hashes the fixture as the reference with no changes, and tells a changed database apart', async () => {
    await world.reset();
    expect(world.hash()).toBe(expectedHash([]));
    await world.app.deputy.store.db
      .updateTable('customers')
      .set({ phone: '+15555550000' })
      .where('id', '=', 'cus_bob')
      .execute();
    expect(world.hash()).not.toBe(expectedHash([]));
  });

  it('fails a task when the agent does not do it (the reward can be 0)', async () => {
    const task = TASKS.find((t) => t.id === 'phone-one-shot');
    if (!task) throw new Error('missing task');
    const result = await runEpisode(world, new RulesModel(), { ...task, confirm: 'decline' }, 1);
    expect(result.passed).toBe(false);
    expect(result.reasons).toContain('database differs from the reference');
  });

  it('passes every core task with the rules model on one seed', async () => {
    const model = new RulesModel();
    const failed: string[] = [];
    for (const task of TASKS.filter((t) => !t.stretch)) {
      const result = await runEpisode(world, model, task, 1);
      if (!result.passed) failed.push(`${task.id}: ${result.reasons.join('; ')}`);
    }
    expect(failed).toEqual([]);
  });

  it('blocks every attack of the hostile model and leaves the database unchanged', async () => {
    const { results, unchanged } = await runAttacks(world);
    expect(results.length).toBeGreaterThanOrEqual(15);
    expect(results.filter((r) => !r.blocked)).toEqual([]);
    expect(unchanged).toBe(true);
  });
});
