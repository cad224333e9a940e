// Experiment (a): decentralized training against the centralized baseline on the same data with
// the same number of training samples (nodes × rounds × localSteps × batchSize).
// Usage: node scripts/exp-centralized.ts [--rounds 300]
import { trainCentralized, parseTrainConfig } from '../src/learn/centralized.ts';
import { loadDataset } from '../src/learn/datasets/index.ts';
import { pct, printTable, run, scenarioFrom } from './lib/experiment.ts';
import { scriptArgs } from './lib/args.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary: 'Experiment (a): decentralized training against centralized training on the same number of samples.',
  options: {
    rounds: { type: 'string', value: 'N', description: "rounds (default: the scenario's)" },
    scenario: {
      type: 'string',
      default: 'centralized-match.json',
      value: 'FILE',
      description: 'scenario in topologies/scenarios',
    },
  },
});
const sc = scenarioFrom(values.scenario!, values.rounds ? { rounds: Number(values.rounds) } : {});
const r = await run(sc);
const samples = sc.nodes * sc.rounds * sc.task.node.localSteps * sc.task.node.batchSize;
const data = loadDataset(sc.task.dataset, sc.task.seed);
const trainSize = data.train.y.length;
const epochs = Math.max(1, Math.round(samples / trainSize));
const base = {
  dataset: sc.task.dataset,
  model: sc.task.model,
  optimizer: sc.task.node.optimizer,
  seed: sc.task.seed,
  epochs,
};
const central = trainCentralized(parseTrainConfig({ ...base, batchSize: sc.task.node.batchSize }), () => {}, data).at(
  -1,
)!;
const bigBatch = trainCentralized(
  parseTrainConfig({ ...base, batchSize: sc.task.node.batchSize * sc.nodes }),
  () => {},
  data,
).at(-1)!;
// Evaluate on the same test samples the simulator uses for its nodes.
const decentralized = r.summary.finalAccuracy!;
console.log(
  `\n${sc.nodes} nodes × ${sc.rounds} rounds × ${sc.task.node.localSteps} steps × batch ${sc.task.node.batchSize}` +
    ` = ${samples} samples ≈ ${epochs} epochs of ${trainSize}\n`,
);
printTable(
  ['training', 'samples', 'test accuracy', 'gap to centralized'],
  [
    ['centralized, batch ' + sc.task.node.batchSize, epochs * trainSize, pct(central.accuracy), '—'],
    [
      `centralized, batch ${sc.task.node.batchSize * sc.nodes} (same global batch)`,
      epochs * trainSize,
      pct(bigBatch.accuracy),
      `${(100 * (bigBatch.accuracy - central.accuracy)).toFixed(2)} pp`,
    ],
    [
      `decentralized (${sc.topology && typeof sc.topology === 'string' ? sc.topology : 'topology'}), ` +
        `mean of ${r.summary.honestFinished} nodes`,
      samples,
      pct(decentralized),
      `${(100 * (decentralized - central.accuracy)).toFixed(2)} pp`,
    ],
    [
      'decentralized, worst node',
      samples,
      pct(r.summary.finalAccuracyMin),
      `${(100 * (r.summary.finalAccuracyMin! - central.accuracy)).toFixed(2)} pp`,
    ],
  ],
);
if (sc.eval.testSamples < data.test.y.length)
  console.log(
    `\nNote: the decentralized nodes are evaluated on the first ${sc.eval.testSamples} test samples, ` +
      `the centralized model on all ${data.test.y.length}.`,
  );
