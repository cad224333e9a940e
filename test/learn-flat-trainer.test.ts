import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../src/learn/backend.ts';
import { BatchSampler, ShardRowSampler } from '../src/learn/batches.ts';
import { featureSize, subset } from '../src/learn/dataset.ts';
import { gaussianMixture, loadEmbeddedMnist, trainTestSplit } from '../src/learn/datasets/index.ts';
import { FlatDenseTrainer } from '../src/learn/flat-trainer.ts';
import { Model } from '../src/learn/model.ts';
import { parseModelSpec } from '../src/learn/model-spec.ts';
import { FlatOptimizer, parseOptimizerSpec } from '../src/learn/optimizer.ts';
import { Trainer } from '../src/learn/trainer.ts';

const mixture = trainTestSplit(gaussianMixture({ samples: 2000, dim: 24, classes: 5, separation: 3, seed: 4 }), 0.2, 4);

before(async () => {
  await selectBackend('auto');
});

function maxRelativeGap(a: Float32Array, b: Float32Array): number {
  let gap = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    gap = Math.max(gap, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return gap / scale;
}

const cases = [
  { name: 'logreg, sgd, mixture', model: { type: 'logreg' }, opt: { type: 'sgd', lr: 0.1 }, data: mixture },
  {
    name: 'mlp [16, 8], momentum, mixture',
    model: { type: 'mlp', hidden: [16, 8] },
    opt: { type: 'momentum', lr: 0.05 },
    data: mixture,
  },
  {
    name: 'mlp [32], adam, MNIST digits',
    model: { type: 'mlp', hidden: [32] },
    opt: { type: 'adam', lr: 0.002 },
    data: null,
  },
] as const;

for (const c of cases) {
  test(`flat trainer follows tfjs step for step: ${c.name}`, () => {
    const data = c.data ?? trainTestSplit(loadEmbeddedMnist(), 0.2, 1);
    const model = new Model(parseModelSpec(c.model), data.train);
    const flat = new FlatDenseTrainer(model.spec, model.layout, featureSize(data.train), data.train.numClasses);
    const tfjs = new Trainer(model);
    const start = model.initParams(7);
    const a = start.slice();
    const b = start.slice();
    const optA = new FlatOptimizer(parseOptimizerSpec(c.opt), model.size);
    const optB = new FlatOptimizer(parseOptimizerSpec(c.opt), model.size);
    const samplerA = new BatchSampler(data.train.y.length, 3);
    const samplerB = new BatchSampler(data.train.y.length, 3);
    for (let round = 0; round < 8; round++) {
      const lossA = flat.train(a, optA, data.train, samplerA, { steps: 5, batchSize: 16 });
      const lossB = tfjs.train(b, optB, data.train, samplerB, { steps: 5, batchSize: 16 });
      assert.ok(
        Math.abs(lossA - lossB) < 1e-4 * Math.max(1, Math.abs(lossB)),
        `round ${round}: loss ${lossA} vs ${lossB}`,
      );
    }
    assert.ok(maxRelativeGap(a, b) < 1e-4, `params differ by ${maxRelativeGap(a, b)} (relative)`);
    assert.ok(maxRelativeGap(a, start) > 1e-3, 'training moved the parameters');
    const ea = flat.evaluate(a, data.test, 300);
    const eb = tfjs.evaluate(b, data.test, 300);
    assert.equal(ea.samples, 300);
    assert.ok(Math.abs(ea.accuracy - eb.accuracy) <= 2 / 300, `accuracy ${ea.accuracy} vs ${eb.accuracy}`);
    assert.ok(Math.abs(ea.loss - eb.loss) < 1e-4, `loss ${ea.loss} vs ${eb.loss}`);
    model.dispose();
  });
}

test('flat trainer: label transform and a shard addressed by rows of the shared set', () => {
  const model = new Model(parseModelSpec({ type: 'logreg' }), mixture.train);
  const flat = new FlatDenseTrainer(model.spec, model.layout, featureSize(mixture.train), mixture.train.numClasses);
  const rows = Int32Array.from({ length: 40 }, (_, i) => 3 * i + 1);
  const shard = subset(mixture.train, rows);
  const flip = (l: number): number => 4 - l;
  const viaRows = model.initParams(2);
  const viaCopy = viaRows.slice();
  const o = { steps: 6, batchSize: 8, labelTransform: flip };
  const opt = (): FlatOptimizer => new FlatOptimizer(parseOptimizerSpec({ type: 'sgd', lr: 0.1 }), model.size);
  flat.train(viaRows, opt(), mixture.train, new ShardRowSampler(new BatchSampler(40, 5), rows), o);
  flat.train(viaCopy, opt(), shard, new BatchSampler(40, 5), o);
  assert.deepEqual(viaRows, viaCopy);
  const honest = model.initParams(2);
  flat.train(honest, opt(), shard, new BatchSampler(40, 5), { steps: 6, batchSize: 8 });
  assert.notDeepEqual(honest, viaCopy);
  model.dispose();
});

test('flat trainer learns the mixture (accuracy > 90%)', () => {
  const model = new Model(parseModelSpec({ type: 'mlp', hidden: [16] }), mixture.train);
  const flat = new FlatDenseTrainer(model.spec, model.layout, featureSize(mixture.train), mixture.train.numClasses);
  const params = model.initParams(1);
  const before = flat.evaluate(params, mixture.test);
  flat.train(
    params,
    new FlatOptimizer(parseOptimizerSpec({ type: 'sgd', lr: 0.1 }), model.size),
    mixture.train,
    new BatchSampler(1600, 1),
    {
      steps: 200,
      batchSize: 32,
    },
  );
  const after = flat.evaluate(params, mixture.test);
  assert.ok(after.loss < before.loss);
  assert.ok(after.accuracy > 0.9, `accuracy ${after.accuracy}`);
  model.dispose();
});

test('flat trainer refuses a cnn', () => {
  const mnist = { inputShape: [28, 28], numClasses: 10 };
  const model = new Model(parseModelSpec({ type: 'cnn' }), mnist);
  assert.throws(() => new FlatDenseTrainer(model.spec, model.layout, 784, 10), /logreg and mlp/);
  model.dispose();
});
