import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/learn/backend.ts';
import type { Dataset } from '../src/learn/dataset.ts';
import { DpSgd, clippedGradientSums } from '../src/learn/dp-sgd.ts';
import { Model } from '../src/learn/model.ts';
import { parseModelSpec } from '../src/learn/model-spec.ts';
import { FlatOptimizer, parseOptimizerSpec } from '../src/learn/optimizer.ts';
import { Trainer } from '../src/learn/trainer.ts';
import { Rng } from '../src/util/rng.ts';

before(async () => {
  await selectBackend('auto');
});

function imageData(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 64);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(3);
    for (let k = 0; k < 64; k++) x[i * 64 + k] = rng.gaussian() + (k % 3 === y[i] ? 1 : 0);
  }
  return { name: 'images', x, y, inputShape: [8, 8, 1], numClasses: 3 };
}

function tensors(model: Model, data: Dataset, rows: number[]): { xs: tf.Tensor; ys: tf.Tensor2D } {
  const f = 64;
  const x = new Float32Array(rows.length * f);
  rows.forEach((r, i) => x.set(data.x.subarray(r * f, (r + 1) * f), i * f));
  const ys = tf.tidy(
    () =>
      tf
        .oneHot(
          Array.from(rows, (r) => data.y[r]!),
          3,
        )
        .toFloat() as tf.Tensor2D,
  );
  return { xs: tf.tensor(x, [rows.length, ...model.shape.inputShape]), ys };
}

/** The slow reference: one backward pass per example, flattened in the model's layout. */
function perExampleGradients(model: Model, data: Dataset, rows: number[]): Float32Array[] {
  return rows.map((r) =>
    tf.tidy(() => {
      const { xs, ys } = tensors(model, data, [r]);
      const loss = (): tf.Scalar => tf.neg(tf.sum(tf.mul(ys, tf.logSoftmax(model.logits(xs))))) as tf.Scalar;
      const { grads } = tf.variableGrads(loss, model.variables);
      const flat = new Float32Array(model.size);
      const gradOf = (i: number): Float32Array => grads[model.variables[i]!.name]!.dataSync() as Float32Array;
      model.layout.entries.forEach((e, i) => flat.set(gradOf(i), e.offset));
      return flat;
    }),
  );
}

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

const tinyModels = [
  { type: 'logreg' },
  { type: 'mlp', hidden: [7, 5] },
  { type: 'cnn', filters: [3, 4], kernel: 2, dense: 6 },
];
for (const spec of tinyModels) {
  test(`vectorised clipped sum equals clipping per-example gradients one by one (${spec.type})`, () => {
    const data = imageData(40, 3);
    const model = new Model(parseModelSpec(spec), data);
    model.load(model.initParams(5));
    const rows = [0, 3, 4, 9, 17, 22, 31, 39];
    const slow = perExampleGradients(model, data, rows);
    const norms = slow.map(norm);
    // A clip between the smallest and the largest norm, so some examples are clipped and some not.
    const sorted = [...norms].sort((a, b) => a - b);
    const clip = (sorted[2]! + sorted[5]!) / 2;
    const expectedClipped = new Float32Array(model.size);
    const expectedRaw = new Float32Array(model.size);
    slow.forEach((g, i) => {
      const s = Math.min(1, clip / norms[i]!);
      for (let k = 0; k < g.length; k++) {
        expectedClipped[k]! += s * g[k]!;
        expectedRaw[k]! += g[k]!;
      }
    });
    const clipped = new Float32Array(model.size);
    const raw = new Float32Array(model.size);
    const { xs, ys } = tensors(model, data, rows);
    const before = tf.memory().numTensors;
    const r = clippedGradientSums(model, xs, ys, rows.length, clip, clipped, raw);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
    tf.dispose([xs, ys]);
    assert.equal(r.clippedCount, norms.filter((n) => n > clip).length);
    for (let k = 0; k < model.size; k++) {
      const what = `clipped[${k}]: ${clipped[k]} vs ${expectedClipped[k]}`;
      assert.ok(Math.abs(clipped[k]! - expectedClipped[k]!) < 1e-5, what);
      assert.ok(Math.abs(raw[k]! - expectedRaw[k]!) < 1e-5, `raw[${k}]`);
    }
    // Each example's contribution is bounded: removing one changes the clipped sum by ≤ clip.
    const without = new Float32Array(model.size);
    tf.tidy(() => {
      const { xs, ys } = tensors(model, data, rows.slice(1));
      clippedGradientSums(model, xs, ys, rows.length - 1, clip, without, null);
    });
    const diff = clipped.map((v, k) => v - without[k]!);
    assert.ok(norm(diff) <= clip * (1 + 1e-4), `one example moved the sum by ${norm(diff)} > ${clip}`);
    model.dispose();
  });
}

test('dp-sgd noise has std σ·C per coordinate around the clipped mean (fixed seed)', () => {
  const data = imageData(50, 4);
  const model = new Model(parseModelSpec({ type: 'logreg' }), data);
  model.load(model.initParams(1));
  const dp = new DpSgd({ clip: 0.5, noiseMultiplier: 1.3, mode: 'dp-sgd' }, model.size, 50, 10, new Rng(77));
  const grad = new Float32Array(model.size);
  // An empty batch releases noise only: g̃ = N(0, σ²C²) / (qn), qn = 10.
  const samples: number[] = [];
  for (let t = 0; t < 20; t++) {
    dp.gradient(model, null, null, 0, grad);
    samples.push(...grad);
  }
  const n = samples.length;
  const mean = samples.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const expected = (1.3 * 0.5) / 10;
  // n = 2200 draws: the sample std is within ~1.5% (1σ) of the truth; 5% is > 3σ.
  assert.ok(Math.abs(std - expected) < 0.05 * expected, `std ${std} vs ${expected}`);
  assert.ok(Math.abs(mean) < (4 * expected) / Math.sqrt(n), `mean ${mean}`);
  model.dispose();
});

test('Poisson sampling draws each record with probability q', () => {
  const dp = new DpSgd({ clip: 1, noiseMultiplier: 1, mode: 'dp-sgd' }, 1, 400, 20, new Rng(5));
  assert.equal(dp.samplingRate, 0.05);
  const out = { rows: new Int32Array(0) };
  let total = 0;
  const sizes = new Set<number>();
  for (let t = 0; t < 200; t++) {
    const b = dp.sampleRows(400, out);
    total += b;
    sizes.add(b);
    for (let i = 1; i < b; i++) assert.ok(out.rows[i]! > out.rows[i - 1]!);
  }
  // Mean 20 per batch, std of the mean over 200 batches ≈ 0.31.
  assert.ok(Math.abs(total / 200 - 20) < 1.5, `mean batch ${total / 200}`);
  assert.ok(sizes.size > 5, 'batch sizes vary');
});

test('DiceSGD carries the clipped-off part to the next step', () => {
  const data = imageData(30, 6);
  const model = new Model(parseModelSpec({ type: 'logreg' }), data);
  model.load(model.initParams(2));
  const rows = [1, 2, 5, 8];
  const clip = 1e-3; // far below every gradient norm: almost everything is held back
  const zeroNoise = { next: () => 0, gaussian: () => 0 };
  const dice = new DpSgd({ clip, noiseMultiplier: 1, mode: 'dice', errorClip: 2e-3 }, model.size, 30, 4, zeroNoise);
  // A noise multiplier has to be positive; zeroNoise makes the Gaussian draws 0 so the algebra is exact.
  const clipped = new Float32Array(model.size);
  const raw = new Float32Array(model.size);
  const grad = new Float32Array(model.size);
  const step = (): void =>
    tf.tidy(() => {
      const { xs, ys } = tensors(model, data, rows);
      clippedGradientSums(model, xs, ys, rows.length, clip, clipped, raw);
      dice.gradient(model, xs, ys, rows.length, grad);
    });
  step();
  const e1 = dice.error!.slice();
  // e₁ = 0 + Σg − Σclip(g) (clip(e₀) = 0): exactly what clipping dropped.
  for (let k = 0; k < model.size; k++) assert.ok(Math.abs(e1[k]! - (raw[k]! - clipped[k]!)) < 1e-5);
  for (let k = 0; k < model.size; k++) assert.ok(Math.abs(grad[k]! - clipped[k]! / 4) < 1e-6);
  step();
  // Second step feeds back clip(e₁, C₂): the update is (Σclip(g) + clip(e₁)) / qn.
  const keep = Math.min(1, 2e-3 / norm(e1));
  for (let k = 0; k < model.size; k++) assert.ok(Math.abs(grad[k]! - (clipped[k]! + keep * e1[k]!) / 4) < 1e-6);
  for (let k = 0; k < model.size; k++)
    assert.ok(Math.abs(dice.error![k]! - (e1[k]! + raw[k]! - clipped[k]! - keep * e1[k]!)) < 1e-5);
  // dp-sgd keeps no error and its noise is σC; dice's is σ(C₁ + C₂).
  assert.equal(new DpSgd({ clip: 1, noiseMultiplier: 2, mode: 'dp-sgd' }, 1, 10, 2, zeroNoise).error, null);
  assert.equal(dice.noiseStd, 1 * (1e-3 + 2e-3));
  model.dispose();
});

test('trainPrivate learns, is reproducible for a seed, and leaks no tensors', () => {
  const data = imageData(300, 8);
  const model = new Model(parseModelSpec({ type: 'mlp', hidden: [16] }), data);
  const trainer = new Trainer(model);
  const run = (seed: number): { params: Float32Array; loss: number } => {
    const params = model.initParams(3);
    const opt = new FlatOptimizer(parseOptimizerSpec({ type: 'sgd', lr: 0.5 }), model.size);
    const dp = new DpSgd({ clip: 1, noiseMultiplier: 0.5, mode: 'dice' }, model.size, 300, 30, new Rng(seed));
    const first = trainer.trainPrivate(params, opt, data, dp, 5);
    let loss = first;
    for (let r = 0; r < 8; r++) loss = trainer.trainPrivate(params, opt, data, dp, 5);
    assert.ok(loss < first, `loss ${first} → ${loss}`);
    return { params, loss };
  };
  const before = tf.memory().numTensors;
  const a = run(1);
  assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  const b = run(1);
  const c = run(2);
  assert.deepEqual(a.params, b.params);
  assert.notDeepEqual(a.params, c.params);
  model.dispose();
});
