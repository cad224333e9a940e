// Training throughput (samples/second) per model on every tfjs backend that loads here.
// Usage: node scripts/bench-train.ts [--seconds 3] [--batch 32]
import { backendOrder, selectBackend } from '../src/learn/backend.ts';
import { BatchSampler } from '../src/learn/batches.ts';
import { loadDataset, parseDatasetSpec } from '../src/learn/datasets/index.ts';
import { Model } from '../src/learn/model.ts';
import { parseModelSpec } from '../src/learn/model-spec.ts';
import { FlatOptimizer, parseOptimizerSpec } from '../src/learn/optimizer.ts';
import { Trainer } from '../src/learn/trainer.ts';
import { scriptArgs } from './lib/args.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary: 'Training throughput (samples/s) of each model on every tfjs backend that loads here.',
  options: {
    seconds: { type: 'string', default: '3', value: 'S', description: 'measure each model for this long' },
    batch: { type: 'string', default: '32', value: 'N', description: 'batch size' },
  },
});
const seconds = Number(values.seconds);
const batchSize = Number(values.batch);
const data = loadDataset(parseDatasetSpec({ type: 'mnist' }), 1).train;
const models = [{ type: 'logreg' }, { type: 'mlp', hidden: [128] }, { type: 'cnn' }];

function samplesPerSecond(spec: unknown): number {
  const model = new Model(parseModelSpec(spec), data);
  const trainer = new Trainer(model);
  const params = model.initParams(1);
  const opt = new FlatOptimizer(parseOptimizerSpec({ type: 'sgd' }), model.size);
  const sampler = new BatchSampler(data.y.length, 1);
  trainer.train(params, opt, data, sampler, { steps: 3, batchSize }); // warm-up
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    trainer.train(params, opt, data, sampler, { steps: 5, batchSize });
    steps += 5;
  }
  const elapsed = (performance.now() - t0) / 1000;
  model.dispose();
  return (steps * batchSize) / elapsed;
}

const rows: string[][] = [];
for (const backend of backendOrder) {
  try {
    await selectBackend(backend);
  } catch (e) {
    console.log(`${backend}: not available (${(e as Error).message.split('\n')[0]})`);
    continue;
  }
  for (const spec of models) rows.push([backend, JSON.stringify(spec), samplesPerSecond(spec).toFixed(0)]);
}
console.log(`\nbatch ${batchSize}, ${seconds} s per cell, embedded MNIST\n`);
console.log(['backend', 'model', 'samples/s'].map((h, i) => h.padEnd(i === 1 ? 34 : 12)).join(''));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(i === 1 ? 34 : 12)).join(''));
