// Experiment: final accuracy against the privacy budget ε ∈ {1, 4, 8, ∞} on the default scenario
// (16 nodes, MNIST Dirichlet 0.5, MLP), DP-SGD against DiceSGD's error feedback.
// σ per target: the smallest noise multiplier with which the node with the smallest shard (largest
// Poisson rate q = batchSize / shard) spends ≤ ε over rounds × localSteps steps at δ; every node uses
// that σ (one config for all), so nodes with larger shards spend less. ε reported: what each node's
// ledger says it spent (mean and max over honest nodes).
// Usage: node scripts/exp-privacy.ts [--epsilons 1,4,8] [--clip 1] [--delta 1e-5] [--rounds R]
import { loadDatasetCached } from '../src/learn/datasets/index.ts';
import { taskShards } from '../src/task/node-learning.ts';
import { noiseMultiplierFor } from '../src/privacy/accountant.ts';
import { samplingRate } from '../src/privacy/config.ts';
import { scriptArgs } from './lib/args.ts';
import { pct, printTable, run, scenarioFrom } from './lib/experiment.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary: `Final accuracy against the differential-privacy budget on topologies/scenarios/default.json, DP-SGD
against DiceSGD. Prints one table: target ε, mode, σ, ε spent (mean / max over nodes), final accuracy.`,
  options: {
    epsilons: {
      type: 'string',
      default: '1,4,8',
      value: 'LIST',
      description: 'target ε values (∞ = no privacy is always run)',
    },
    clip: {
      type: 'string',
      default: '1',
      value: 'C',
      description: 'DP-SGD per-example clipping norm; DiceSGD gets C₁ = C₂ = C/2 (same noise std at the same σ)',
    },
    delta: { type: 'string', default: '1e-5', value: 'D', description: 'δ' },
    rounds: { type: 'string', value: 'R', description: "override the scenario's rounds" },
  },
});
const epsilons = values.epsilons.split(',').map(Number);
const clip = Number(values.clip);
const delta = Number(values.delta);
const roundsOverride = values.rounds === undefined ? undefined : Number(values.rounds);
const checks: Array<[string, number, string]> = [
  ['--clip', clip, values.clip],
  ['--delta', delta, values.delta],
  ...epsilons.map((e): [string, number, string] => ['--epsilons', e, values.epsilons]),
];
for (const [name, v, text] of checks)
  if (!(Number.isFinite(v) && v > 0) || (name === '--delta' && v >= 1)) {
    console.error(`error: ${name}: expected positive numbers${name === '--delta' ? ' below 1' : ''}, got ${text}`);
    process.exit(2);
  }

const base = scenarioFrom('default.json', roundsOverride ? { rounds: roundsOverride } : {});
const steps = base.rounds * base.task.node.localSteps;
// The shards exactly as the simulator cuts them, for the largest sampling rate.
const data = loadDatasetCached(base.task.dataset, base.task.seed);
const shards = taskShards(base.task, data.train, base.nodes);
const shardSizes = shards.map((s) => s.length);
const qMax = Math.max(...shardSizes.map((n) => samplingRate(base.task.node.batchSize, n)));
const sizeRange = `${Math.min(...shardSizes)}–${Math.max(...shardSizes)}`;
console.error(`shards ${sizeRange} records, q ≤ ${qMax.toFixed(4)}, ${steps} steps`);

const rows: Array<Array<string | number>> = [];
type Privacy = Record<string, unknown>;
const runOne = async (label: string, mode: string, sigma: number | null, privacy?: Privacy): Promise<void> => {
  const t0 = performance.now();
  const rounds = roundsOverride ? { rounds: roundsOverride } : {};
  const overrides = { ...rounds, ...(privacy ? { task: { node: { privacy } } } : {}) };
  const r = await run(scenarioFrom('default.json', overrides));
  const p = r.summary.privacy;
  rows.push([
    label,
    mode,
    sigma === null ? '-' : sigma.toFixed(3),
    p ? `${p.epsilonMean.toFixed(2)} / ${p.epsilonMax.toFixed(2)}` : '∞',
    p ? p.stoppedNodes.length : '-',
    pct(r.summary.finalAccuracy),
    `${pct(r.summary.finalAccuracyMin)}–${pct(r.summary.finalAccuracyMax)}`,
  ]);
  const seconds = ((performance.now() - t0) / 1000).toFixed(0);
  console.error(`ε ${label} ${mode}: ${pct(r.summary.finalAccuracy)} (${seconds} s)`);
};

await runOne('∞', 'no DP', null);
for (const target of epsilons) {
  const sigma = noiseMultiplierFor({ q: qMax, steps, delta, epsilon: target });
  // targetEpsilon only guards: σ is chosen so that no node reaches it before the last round.
  const common = { noiseMultiplier: sigma, delta, targetEpsilon: target };
  await runOne(String(target), 'dp-sgd', sigma, { ...common, clip, mode: 'dp-sgd' });
  await runOne(String(target), 'dice', sigma, { ...common, clip: clip / 2, errorClip: clip / 2, mode: 'dice' });
}
console.log(
  `\nAccuracy vs ε (δ = ${delta}), ${base.nodes} nodes, ` +
    `${base.rounds} rounds × ${base.task.node.localSteps} local steps, ` +
    `batch ${base.task.node.batchSize} (Poisson), DP-SGD clip ${clip}, DiceSGD C₁ = C₂ = ${clip / 2}\n`,
);
printTable(['target ε', 'mode', 'σ', 'ε spent mean / max', 'stopped', 'final acc', 'min–max'], rows);
