// Training throughput (samples/second) per model on every tfjs backend that loads here, plain and
// with differential privacy (DP-SGD and DiceSGD: per-example clipping, noise, Poisson batches of the
// same expected size), with the measured slowdown ratios.
// Usage: node scripts/bench-train.ts [--seconds 3] [--batch 32] [--backends wasm,cpu]
import { backendOrder, selectBackend } from '../src/learn/backend.ts';
import { BatchSampler } from '../src/learn/batches.ts';
import { DpSgd } from '../src/learn/dp-sgd.ts';
import { loadDataset, parseDatasetSpec } from '../src/learn/datasets/index.ts';
import { Model } from '../src/learn/model.ts';
import { parseModelSpec } from '../src/learn/model-spec.ts';
import { FlatOptimizer, parseOptimizerSpec } from '../src/learn/optimizer.ts';
import { Trainer } from '../src/learn/trainer.ts';
import { Rng } from '../src/util/rng.ts';
import { scriptArgs } from './lib/args.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary:
    'Training throughput (samples/s) of each model on every tfjs backend that loads here, ' +
    'plain and with DP-SGD / DiceSGD.',
  options: {
    seconds: { type: 'string', default: '3', value: 'S', description: 'measure each model for this long' },
    batch: { type: 'string', default: '32', value: 'N', description: 'batch size' },
    backends: {
      type: 'string',
      value: 'LIST',
      description: 'backends to measure, comma-separated (default: every one that loads)',
    },
  },
});
const seconds = Number(values.seconds);
const batchSize = Number(values.batch);
const data = loadDataset(parseDatasetSpec({ type: 'mnist' }), 1).train;
const models = [{ type: 'logreg' }, { type: 'mlp', hidden: [128] }, { type: 'cnn' }];

type Mode = 'plain' | 'dp-sgd' | 'dice';

function privateTraining(mode: 'dp-sgd' | 'dice', size: number): DpSgd {
  return new DpSgd({ clip: 1, noiseMultiplier: 1, mode }, size, data.y.length, batchSize, new Rng(1));
}

/** Samples per second; for DP, the expected batch size q·n counts as the samples of a step. */
function samplesPerSecond(spec: unknown, mode: Mode): number {
  const model = new Model(parseModelSpec(spec), data);
  const trainer = new Trainer(model);
  const params = model.initParams(1);
  const opt = new FlatOptimizer(parseOptimizerSpec({ type: 'sgd' }), model.size);
  const sampler = new BatchSampler(data.y.length, 1);
  const dp = mode === 'plain' ? null : privateTraining(mode, model.size);
  const run = (steps: number): void => {
    if (dp) trainer.trainPrivate(params, opt, data, dp, steps);
    else trainer.train(params, opt, data, sampler, { steps, batchSize });
  };
  run(3); // warm-up
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    run(5);
    steps += 5;
  }
  const elapsed = (performance.now() - t0) / 1000;
  model.dispose();
  return (steps * batchSize) / elapsed;
}

const rows: string[][] = [];
const wanted = values.backends ? values.backends.split(',') : backendOrder;
for (const backend of backendOrder.filter((b) => wanted.includes(b))) {
  try {
    await selectBackend(backend);
  } catch (e) {
    console.log(`${backend}: not available (${(e as Error).message.split('\n')[0]})`);
    continue;
  }
  for (const spec of models) {
    const plain = samplesPerSecond(spec, 'plain');
    const dpsgd = samplesPerSecond(spec, 'dp-sgd');
    const dice = samplesPerSecond(spec, 'dice');
    const ratios = [`${(plain / dpsgd).toFixed(2)}x`, `${(plain / dice).toFixed(2)}x`];
    rows.push([backend, JSON.stringify(spec), plain.toFixed(0), dpsgd.toFixed(0), dice.toFixed(0), ...ratios]);
  }
}
console.log(`\nbatch ${batchSize} (DP: Poisson, expected ${batchSize}), ${seconds} s per cell, embedded MNIST\n`);
const head = ['backend', 'model', 'plain/s', 'dp-sgd/s', 'dice/s', 'dp-sgd slower', 'dice slower'];
const width = (i: number): number => (i === 1 ? 34 : i >= 5 ? 15 : 11);
console.log(head.map((h, i) => h.padEnd(width(i))).join(''));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(width(i))).join(''));
