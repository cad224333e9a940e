import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregate,
  correctVariance,
  getRule,
  layerMomentsOfAll,
  layerMoments,
  layerVariance,
  ruleNames,
  targetVariance,
} from '../src/aggregate/index.ts';
import { correctedWeightedSum } from '../src/aggregate/corrected-mean.ts';
import { weightedSum } from '../src/aggregate/vector-ops.ts';
import { buildLayout } from '../src/learn/layout.ts';
import { Rng } from '../src/util/rng.ts';

const layout = buildLayout([
  { name: 'dense0/kernel', shape: [20, 30], kind: 'weight', fanIn: 20, fanOut: 30 },
  { name: 'dense0/bias', shape: [30], kind: 'bias', fanIn: 20, fanOut: 30 },
  { name: 'dense1/kernel', shape: [30, 10], kind: 'weight', fanIn: 30, fanOut: 10 },
  { name: 'dense1/bias', shape: [10], kind: 'bias', fanIn: 30, fanOut: 10 },
]);

/** Independent Glorot-like models with slightly different per-layer scales. */
function models(seed: number, count: number, scale = 1): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const m = new Float32Array(layout.totalSize);
    for (const e of layout.entries) {
      const sd = e.kind === 'weight' ? scale * Math.sqrt(2 / (e.fanIn + e.fanOut)) * (0.8 + 0.4 * rng.next()) : 0.05;
      for (let i = e.offset; i < e.offset + e.size; i++) m[i] = 0.01 + sd * rng.gaussian();
    }
    return m;
  });
}

const plainAverage = (xs: Float32Array[]) =>
  getRule('mean')(
    xs[0]!,
    xs.slice(1),
    xs.slice(1).map(() => 1),
    { selfWeight: 1 },
  );

const relClose = (a: number, b: number, tol = 1e-4) => assert.ok(Math.abs(a - b) <= tol * Math.abs(b), `${a} vs ${b}`);

describe('variance correction', () => {
  const inputs = models(1, 8);
  const weightLayers = layout.entries.filter((e) => e.kind === 'weight');
  const biasLayers = layout.entries.filter((e) => e.kind === 'bias');

  it('averaging uncorrelated models shrinks the weight variance (the problem being fixed)', () => {
    const avg = plainAverage(inputs);
    for (const e of weightLayers) assert.ok(layerVariance(avg, e) < 0.3 * targetVariance(inputs, e, 'inputs'));
  });

  for (const target of ['inputs', 'xavier'] as const) {
    it(`'${target}': weight layers get the target variance and keep their mean; biases are untouched`, () => {
      const avg = plainAverage(inputs);
      const before = Float32Array.from(avg);
      correctVariance(avg, inputs, layout, target);
      for (const e of weightLayers) {
        relClose(layerVariance(avg, e), targetVariance(inputs, e, target));
        assert.ok(Math.abs(layerMoments(avg, e).mean - layerMoments(before, e).mean) < 1e-6);
      }
      for (const e of biasLayers)
        assert.deepEqual(avg.subarray(e.offset, e.offset + e.size), before.subarray(e.offset, e.offset + e.size));
    });
  }

  it("'xavier' targets 2 / (fanIn + fanOut) and 'inputs' the median of the inputs' variances", () => {
    const e = weightLayers[0]!;
    assert.equal(targetVariance(inputs, e, 'xavier'), 2 / 50);
    const vars = inputs.map((x) => layerVariance(x, e)).sort((a, b) => a - b);
    assert.equal(targetVariance(inputs, e, 'inputs'), (vars[3]! + vars[4]!) / 2);
  });

  it('leaves a constant layer alone', () => {
    const flat = new Float32Array(layout.totalSize).fill(0.5);
    correctVariance(flat, inputs, layout, 'inputs');
    assert.ok(flat.every((x) => x === 0.5));
  });

  it('composes with every rule through aggregate(): rule first, then the correction', () => {
    const [self, ...received] = inputs;
    const ctx = { selfDegree: 7, neighbourDegrees: received.map(() => 7) };
    const weights = received.map(() => 1 / 8);
    for (const rule of ruleNames) {
      const plain = aggregate({ rule, varianceCorrection: 'none', f: 1 }, self!, received, weights, layout, ctx);
      const corrected = aggregate({ rule, varianceCorrection: 'inputs', f: 1 }, self!, received, weights, layout, ctx);
      const expected = Float32Array.from(plain);
      correctVariance(expected, inputs, layout, 'inputs');
      assert.deepEqual(corrected, expected, rule);
      for (const e of weightLayers) relClose(layerVariance(corrected, e), targetVariance(inputs, e, 'inputs'));
    }
  });

  it("'inputs' target is not inflated by a minority of Byzantine high-variance inputs", () => {
    const honest = models(2, 7);
    const byzantine = models(3, 2, 100);
    const all = [...honest, ...byzantine];
    for (const e of weightLayers) {
      const t = targetVariance(all, e, 'inputs');
      const honestVars = honest.map((x) => layerVariance(x, e));
      assert.ok(t <= Math.max(...honestVars) && t >= Math.min(...honestVars));
    }
  });
});

it("targetVariance over many inputs equals the median of each input's own layerVariance, exactly", () => {
  const rng = new Rng(11);
  const layout = buildLayout([
    { name: 'w', shape: [37, 5], kind: 'weight', fanIn: 37, fanOut: 5 },
    { name: 'b', shape: [5], kind: 'bias', fanIn: 37, fanOut: 5 },
  ]);
  const entry = layout.entries[0]!;
  for (const count of [1, 3, 4, 5, 8, 9]) {
    const inputs = Array.from({ length: count }, () =>
      Float32Array.from({ length: layout.totalSize }, () => rng.gaussian() * (1 + rng.next())),
    );
    const v = inputs.map((x) => layerVariance(x, entry)).sort((a, b) => a - b);
    const mid = v.length >> 1;
    const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
    assert.equal(targetVariance(inputs, entry, 'inputs'), median, `${count} inputs`);
  }
});

it('correctVariance takes every moment in one pass per four vectors, bit-identical to one vector at a time', () => {
  const rng = new Rng(29);
  for (let count = 1; count <= 7; count++) {
    // Magnitudes over many decades, so that double sums round and their order shows.
    const inputs = models(40 + count, count).map((m) => m.map((v) => v * 2 ** (rng.int(40) - 20)));
    const out = weightedSum(
      inputs,
      inputs.map(() => 1 / count),
      new Float32Array(layout.totalSize),
    );
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + 0.01 * rng.gaussian();
    const expected = out.slice();
    for (const e of layout.entries) {
      const all = layerMomentsOfAll([out, ...inputs], e);
      [out, ...inputs].forEach((x, k) => {
        const one = layerMoments(x, e);
        assert.ok(Object.is(all.means[k], one.mean) && Object.is(all.variances[k], one.variance), `vector ${k}`);
      });
      if (e.kind !== 'weight') continue;
      const { mean, variance } = layerMoments(expected, e);
      const v = inputs.map((x) => layerVariance(x, e)).sort((a, b) => a - b);
      const mid = v.length >> 1;
      const wanted = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
      const scale = Math.sqrt(wanted / variance);
      for (let i = e.offset; i < e.offset + e.size; i++) expected[i] = mean + (expected[i]! - mean) * scale;
    }
    correctVariance(out, inputs, layout, 'inputs');
    for (let i = 0; i < out.length; i++) {
      if (!Object.is(out[i], expected[i]))
        assert.fail(`${count} inputs, index ${i}: ${out[i]} instead of ${expected[i]}`);
    }
  }
});

it('the fused weighted sum with correction is bit-identical to weightedSum then correctVariance', () => {
  const rng = new Rng(23);
  const odd = buildLayout([
    { name: 'w0', shape: [13, 7], kind: 'weight', fanIn: 13, fanOut: 7 },
    { name: 'b0', shape: [7], kind: 'bias', fanIn: 13, fanOut: 7 },
    { name: 'w1', shape: [1, 1], kind: 'weight', fanIn: 1, fanOut: 1 },
    { name: 'w2', shape: [7, 3], kind: 'weight', fanIn: 7, fanOut: 3 },
  ]);
  const bits = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
  for (const count of [1, 2, 3, 4, 5, 6, 8, 9, 13]) {
    for (const withZero of [false, true]) {
      const inputs = Array.from({ length: count }, () =>
        Float32Array.from({ length: odd.totalSize }, () =>
          rng.next() < 0.05 ? -0 : rng.gaussian() * (1 + rng.next()),
        ),
      );
      const coeffs = inputs.map(() => rng.next());
      if (withZero && count > 1) {
        coeffs[count - 1] = 0;
        inputs[count - 1]!.fill(1e30); // left out of the sum, still one of the median's inputs
      }
      const expected = weightedSum(inputs, coeffs);
      correctVariance(expected, inputs, odd, 'inputs');
      const fused = correctedWeightedSum(inputs, coeffs, odd);
      assert.deepEqual(bits(fused), bits(expected), `${count} inputs${withZero ? ', one with coefficient 0' : ''}`);
    }
  }
});
