// The default scenario against its two references, in one run: centralized training on the same
// number of samples (same model, optimizer and schedule) and fp32 gossip (codec none, γ = 1) on
// the same scenario and seed; then the same three for Dirichlet α = 0.1 and for a ring.
// Usage: node scripts/exp-default.ts [--rounds N] [--only TEXT]
import { trainCentralized, parseTrainConfig } from '../src/learn/centralized.ts';
import { subset } from '../src/learn/dataset.ts';
import { loadDataset } from '../src/learn/datasets/index.ts';
import { keyframeShare } from '../src/sim/output.ts';
import type { Scenario } from '../src/sim/scenario.ts';
import { fail, numberOption, scriptArgs } from './lib/args.ts';
import { pct, printTable, run, scenarioFrom } from './lib/experiment.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary:
    'The default scenario (topologies/scenarios/default.json) ' +
    'against centralized training at an equal number of samples\n' +
    'and against fp32 gossip on the same scenario: ' +
    'final accuracy, MiB sent per node, ratio to fp32, gap to centralized,\n' +
    'keyframe share; also with Dirichlet α = 0.1 and on a ring.',
  options: {
    rounds: { type: 'string', value: 'N', description: "rounds (default: the scenario's)" },
    only: { type: 'string', value: 'TEXT', description: 'only the settings whose name contains TEXT' },
  },
});
const rounds =
  values.rounds === undefined ? undefined : numberOption('rounds', values.rounds, { integer: true, min: 1 });

type Json = Record<string, unknown>;
const settings: Array<[string, Json]> = [
  ['default (4-regular, Dirichlet 0.5)', {}],
  ['Dirichlet α = 0.1', { task: { partition: { type: 'dirichlet', alpha: 0.1 } } }],
  ['ring', { topology: '../ring.json' }],
];
const base = scenarioFrom('default.json', rounds ? { rounds } : {});
const fp32Node = { codec: { name: 'none' }, consensusStep: 1 };

function centralizedAccuracy(sc: Scenario, lrFactor: number): { accuracy: number; epochs: number; lr: number } {
  const data = loadDataset(sc.task.dataset, sc.task.seed);
  const samples = sc.nodes * sc.rounds * sc.task.node.localSteps * sc.task.node.batchSize;
  const epochs = Math.max(1, Math.round(samples / data.train.y.length));
  // Quasi-global momentum exists for gossip (its buffer follows the gossiped model); alone it is heavy-ball momentum.
  const o = sc.task.node.optimizer;
  const optimizer = { ...o, type: o.type === 'quasi-global' ? 'momentum' : o.type, lr: o.lr * lrFactor };
  const cfg = parseTrainConfig({
    dataset: sc.task.dataset,
    model: sc.task.model,
    optimizer,
    seed: sc.task.seed,
    epochs,
    batchSize: sc.task.node.batchSize,
  });
  // Evaluated on the test samples the simulator evaluates its nodes on.
  const n = Math.min(sc.eval.testSamples, data.test.y.length);
  const test = subset(
    data.test,
    Int32Array.from({ length: n }, (_, i) => i),
    'test',
  );
  const accuracy = trainCentralized(cfg, () => {}, { ...data, test }).at(-1)!.accuracy;
  return { accuracy: Number.isFinite(accuracy) ? accuracy : 0, epochs, lr: optimizer.lr };
}

// Partition and topology do not change centralized training: one baseline serves every setting.
// A learning rate that suits 16 averaged models can be too large for one model, so the baseline
// is the better of the scenario's optimizer and the same with half the learning rate.
const candidates = [centralizedAccuracy(base, 1), centralizedAccuracy(base, 0.5)];
const central = candidates.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
const rows: Array<Array<string | number>> = candidates.map((c) => [
  'all',
  `centralized, ${c.epochs} epochs (equal samples), lr ${c.lr}${c === central ? ' (baseline)' : ''}`,
  pct(c.accuracy),
  '-',
  '-',
  '-',
  '-',
]);
console.error(`centralized: ${candidates.map((c) => `lr ${c.lr}: ${pct(c.accuracy)}`).join(', ')}`);
for (const [name, overrides] of settings) {
  if (values.only && !name.includes(values.only)) continue;
  const over = { ...overrides, ...(rounds ? { rounds } : {}) };
  const fp32 = await run(scenarioFrom('default.json', { ...over, task: { node: fp32Node } }));
  const dflt = await run(scenarioFrom('default.json', over));
  console.error(`${name}: done (${fp32.wallSeconds.toFixed(0)} s + ${dflt.wallSeconds.toFixed(0)} s)`);
  const fp32Bytes = fp32.summary.bytesPerNode;
  for (const [label, r] of [
    ['fp32 gossip (codec none, γ = 1)', fp32],
    [`default (${JSON.stringify(dflt.scenario.task.node.codec)})`, dflt],
  ] as const) {
    const acc = r.summary.finalAccuracy;
    if (acc === null) fail(`${name}: ${label} finished no node`);
    rows.push([
      name,
      label,
      pct(acc),
      (r.summary.bytesPerNode / 2 ** 20).toFixed(2),
      `${(fp32Bytes / r.summary.bytesPerNode).toFixed(1)}x`,
      `${(100 * (acc - central.accuracy)).toFixed(2)} pp`,
      keyframeShare(r),
    ]);
  }
}
console.log(
  `\n${base.nodes} nodes × ${base.rounds} rounds × ${base.task.node.localSteps} steps ` +
    `× batch ${base.task.node.batchSize}, seed ${base.task.seed}\n`,
);
printTable(
  ['setting', 'run', 'final acc', 'MiB / node', 'fewer bytes than fp32', 'gap to centralized', 'keyframes'],
  rows,
);
console.log(`\nEvery model is evaluated on the first ${base.eval.testSamples} test samples.`);
