import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/learn/backend.ts';
import { BatchSampler } from '../src/learn/batches.ts';
import { gaussianMixture, trainTestSplit } from '../src/learn/datasets/index.ts';
import { Model } from '../src/learn/model.ts';
import { parseModelSpec } from '../src/learn/model-spec.ts';
import { FlatOptimizer, parseOptimizerSpec } from '../src/learn/optimizer.ts';
import { Trainer } from '../src/learn/trainer.ts';

const data = trainTestSplit(gaussianMixture({ samples: 3000, dim: 20, classes: 4, separation: 4, seed: 9 }), 0.2, 9);

before(async () => {
  await selectBackend('auto');
});

test('50 cycles of train → read flat → write flat leak no tensors', () => {
  const model = new Model(parseModelSpec({ type: 'mlp', hidden: [16] }), data.train);
  const trainer = new Trainer(model);
  const opt = new FlatOptimizer(parseOptimizerSpec({ type: 'adam' }), model.size);
  const params = model.initParams(1);
  const sampler = new BatchSampler(data.train.y.length, 1);
  trainer.train(params, opt, data.train, sampler, { steps: 1, batchSize: 16 });
  const before = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) {
    trainer.train(params, opt, data.train, sampler, { steps: 2, batchSize: 16 });
    const flat = model.read();
    model.load(flat);
    trainer.evaluate(flat, data.test, 100);
  }
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

for (const spec of [
  { type: 'sgd', lr: 0.1 },
  { type: 'momentum', lr: 0.05 },
  { type: 'adam', lr: 0.01 },
] as const) {
  test(`${spec.type} learns a separable mixture (accuracy > 90%)`, () => {
    const model = new Model(parseModelSpec({ type: 'logreg' }), data.train);
    const trainer = new Trainer(model);
    const opt = new FlatOptimizer(parseOptimizerSpec(spec), model.size);
    const params = model.initParams(2);
    const sampler = new BatchSampler(data.train.y.length, 2);
    const initial = trainer.evaluate(params, data.test);
    trainer.train(params, opt, data.train, sampler, { steps: 150, batchSize: 32 });
    const after = trainer.evaluate(params, data.test);
    assert.ok(after.loss < initial.loss, `loss ${initial.loss} -> ${after.loss}`);
    assert.ok(after.accuracy > 0.9, `accuracy ${after.accuracy}`);
    model.dispose();
  });
}

test('training is deterministic for a seed, and optimizer state round-trips', () => {
  const run = (): Float32Array => {
    const model = new Model(parseModelSpec({ type: 'mlp', hidden: [8] }), data.train);
    const trainer = new Trainer(model);
    const opt = new FlatOptimizer(parseOptimizerSpec({ type: 'adam' }), model.size);
    const params = model.initParams(5);
    trainer.train(params, opt, data.train, new BatchSampler(data.train.y.length, 5), { steps: 20, batchSize: 8 });
    const copy = new FlatOptimizer(parseOptimizerSpec({ type: 'adam' }), model.size);
    copy.setState(opt.getState());
    assert.deepEqual(copy.getState(), opt.getState());
    model.dispose();
    return params;
  };
  assert.deepEqual(run(), run());
});

test('a label transform changes what is learned (label flipping)', () => {
  const model = new Model(parseModelSpec({ type: 'logreg' }), data.train);
  const trainer = new Trainer(model);
  const params = model.initParams(3);
  const opt = new FlatOptimizer(parseOptimizerSpec({ type: 'sgd', lr: 0.1 }), model.size);
  trainer.train(params, opt, data.train, new BatchSampler(data.train.y.length, 3), {
    steps: 150,
    batchSize: 32,
    labelTransform: (l) => 3 - l,
  });
  assert.ok(trainer.evaluate(params, data.test).accuracy < 0.1);
  model.dispose();
});
