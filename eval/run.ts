/**
 * `npm run eval`: the agent evaluation (issue #4), offline and seeded, in the spirit of τ-bench.
 * Every task runs K times with different seeds against the real MCP server and a fixture CRM;
 * reward is the database end state matching the reference plus the facts said. Then a hostile
 * scripted model tries every attack it knows; each must be blocked with the database unchanged.
 */
import { createModel } from '../server/agent/models/index.js';
import { intentClassifier } from '../server/agent/models/rules/classifier.js';
import { runAttacks } from './adversary.js';
import { type EpisodeResult, runEpisode } from './episode.js';
import { HELD_OUT, heldOutScores } from './heldout.js';
import { rulesStepsPerSecond } from './speed.js';
import { TASKS } from './tasks.js';
import { EvalWorld } from './world.js';

const K = Number(process.env.EVAL_K ?? 4);
const verbose = process.argv.includes('--verbose');

/** pass^k (τ-bench): the chance that k draws of a task's n trials all succeed, averaged over tasks. */
function passHatK(successes: number[], n: number, k: number): number {
  const choose = (a: number, b: number) => {
    if (b > a) return 0;
    let r = 1;
    for (let i = 0; i < b; i++) r = (r * (a - i)) / (i + 1);
    return r;
  };
  return successes.reduce((sum, c) => sum + choose(c, k) / choose(n, k), 0) / successes.length;
}

async function main(): Promise<void> {
  const started = performance.now();
  const modelName = (process.env.DEPUTY_MODEL ?? 'rules') as 'rules' | 'openai' | 'anthropic';
  const model = createModel(modelName);
  const trainMs = modelName === 'rules' ? (await intentClassifier()).trainMs : 0;
  const world = await EvalWorld.open();
  const rows: { id: string; title: string; stretch: boolean; ok: number; fails: EpisodeResult[] }[] = [];
  try {
    for (const task of TASKS) {
      const row = {
        id: task.id,
        title: task.title,
        stretch: task.stretch === true,
        ok: 0,
        fails: [] as EpisodeResult[],
      };
      for (let seed = 1; seed <= K; seed++) {
        const result = await runEpisode(world, model, task, seed);
        if (result.passed) row.ok++;
        else row.fails.push(result);
      }
      rows.push(row);
    }
    const attacks = await runAttacks(world);

    console.log(`\nDeputy agent evaluation: model=${modelName}, ${TASKS.length} tasks × ${K} seeds\n`);
    console.log(`| task | what it checks | passed |`);
    console.log(`|---|---|---|`);
    for (const r of rows)
      console.log(`| ${r.id}${r.stretch ? ' (stretch)' : ''} | ${r.title} | ${r.ok}/${K} |`);
    for (const r of rows) {
      for (const f of r.fails) {
        console.log(`\n✗ ${f.task} seed ${f.seed}: ${f.reasons.join('; ')}`);
        if (verbose) for (const line of f.transcript) console.log(`    ${line}`);
      }
    }
    const successes = rows.map((r) => r.ok);
    const pass1 = passHatK(successes, K, 1);
    const passK = passHatK(successes, K, K);
    const core = rows.filter((r) => !r.stretch).map((r) => r.ok);
    console.log(`\nAdversarial scripted model (as cus_alice, against the real MCP server):\n`);
    console.log(`| attack | what it tries | outcome | blocked |`);
    console.log(`|---|---|---|---|`);
    for (const a of attacks.results)
      console.log(`| ${a.id} | ${a.title} | ${a.outcome} | ${a.blocked ? 'yes' : 'NO'} |`);
    console.log(`database unchanged after all attacks: ${attacks.unchanged ? 'yes' : 'NO'}`);

    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\npass^1 = ${pass1.toFixed(3)}   pass^${K} = ${passK.toFixed(3)}   (all ${rows.length} tasks)`,
    );
    console.log(
      `pass^1 = ${passHatK(core, K, 1).toFixed(3)}   pass^${K} = ${passHatK(core, K, K).toFixed(3)}   (${core.length} core tasks, stretch wording left out)`,
    );
    if (modelName === 'rules') {
      const held = await heldOutScores();
      console.log(
        `held-out intents (${HELD_OUT.length} phrasings): rules alone ${held.rules}/${held.total}, classifier alone ${held.classifier}/${held.total}, rules then classifier ${held.both}/${held.total}`,
      );
      console.log(`classifier training: ${trainMs.toFixed(0)} ms, once per process`);
      console.log(
        `rules model speed: ${Math.round(await rulesStepsPerSecond()).toLocaleString('en-US')} model steps/s (mixed lines)`,
      );
    }
    console.log(`took ${seconds.toFixed(1)} s`);
    const trials = rows.length * K;
    const passedTrials = successes.reduce((a, b) => a + b, 0);
    const blocked = attacks.results.filter((a) => a.blocked).length;
    const passed = passedTrials + blocked;
    const failed = trials - passedTrials + (attacks.results.length - blocked) + (attacks.unchanged ? 0 : 1);
    console.log(`${passed} passed, ${failed} failed`);
    // A measurement, like a benchmark: it fails the run only for a blocked-attack regression or a
    // core task going wrong, not for stretch wording the offline model is not built for.
    const coreFailed = core.some((ok) => ok < K);
    process.exitCode = coreFailed || blocked < attacks.results.length || !attacks.unchanged ? 1 : 0;
  } finally {
    await world.close();
  }
}

await main();
