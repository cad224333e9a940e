import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainMeanPasses, type MeanPasses } from '../src/aggregate/mean-passes.ts';
import { meanSimdAvailable, simdLayerMoments, simdMeanPasses } from '../src/aggregate/mean-simd.ts';
import { correctVariance, layerMomentsOfAll } from '../src/aggregate/variance-correction.ts';
import { buildLayout } from '../src/learn/layout.ts';
import { weightedSum } from '../src/aggregate/vector-ops.ts';
import { Rng } from '../src/util/rng.ts';

/** Values over 24 binary decades, some ±0, so that any regrouped or fused sum shows. */
function wideValues(rng: Rng, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    x[i] = u < 0.04 ? 0 : u < 0.08 ? -0 : rng.gaussian() * 2 ** Math.floor(rng.next() * 24 - 12);
  }
  return x;
}

const bits = (v: ArrayLike<number>, f64 = false): string[] =>
  Array.from(
    f64 ? new BigUint64Array(Float64Array.from(v).buffer) : new Uint32Array(Float32Array.from(v).buffer),
    String,
  );

/** The corrected mean's sequence of passes over [start, end) (see correctedWeightedSum), recording every result. */
function runPasses(p: MeanPasses, m: number, n: number, start: number, end: number, fuseFive: boolean): string[] {
  const seen: string[] = [];
  const sums = new Float64Array(m);
  if (m < 4) p.zero(start, end);
  let outSum = 0;
  let k = 0;
  for (; k + 4 <= m; k += 4) {
    if (fuseFive && m - k === 5) {
      outSum = p.five(k, k === 0, start, end, sums);
      k = m;
      break;
    }
    outSum = p.four(k, k === 0, start, end, sums);
    seen.push(...bits([outSum, ...sums], true));
  }
  for (; k < m; k++) outSum = p.one(k, start, end, sums);
  seen.push(...bits([outSum, ...sums], true));
  const size = Math.max(1, end - start);
  const means = Float64Array.from({ length: n + 1 }, (_, v) =>
    v === 0 ? outSum / size : p.sumOf(v - 1, start, end) / size,
  );
  seen.push(...bits(means, true));
  const squares = new Float64Array(n + 1);
  p.squares(means, start, end, squares);
  seen.push(...bits(squares, true));
  p.rescale(start, end, means[0]!, 1.0009765625 + squares[0]! * 1e-9);
  p.finish();
  return seen;
}

test('mean SIMD: every pass gives the bits of the plain loops, for any count of inputs, length and offset', () => {
  assert.ok(meanSimdAvailable(), 'WebAssembly SIMD is available under Node 24');
  const rng = new Rng(31);
  for (let n = 1; n <= 13; n++) {
    for (const length of [0, 1, 2, 3, 5, 8, 13, 64, 257]) {
      for (const withZero of [false, true]) {
        const start = Math.floor(rng.next() * 3);
        const d = start + length + 2;
        const inputs = Array.from({ length: n }, () => wideValues(rng, d));
        const coeffs = inputs.map(() => (rng.next() < 0.2 ? -1 : 1) * rng.next() * 2 ** Math.floor(rng.next() * 8 - 4));
        const summed = inputs.map((_, u) => u).filter((u) => !(withZero && u % 3 === 1));
        const cs = summed.map((u) => coeffs[u]!);
        const m = summed.length;
        for (const fuseFive of [false, true]) {
          const initial = wideValues(rng, d);
          const outPlain = initial.slice();
          const outSimd = initial.slice();
          const simd = simdMeanPasses(outSimd, inputs, summed, cs);
          assert.ok(simd, 'the SIMD passes take every case here');
          const a = runPasses(plainMeanPasses(outPlain, inputs, summed, cs), m, n, start, start + length, fuseFive);
          const b = runPasses(simd, m, n, start, start + length, fuseFive);
          const what = `${n} inputs (${m} summed), length ${length} at ${start}${fuseFive ? ', fused fifth' : ''}`;
          assert.deepEqual(b, a, `sums, means and squares: ${what}`);
          assert.deepEqual(bits(outSimd), bits(outPlain), `output: ${what}`);
        }
      }
    }
  }
});

test('mean SIMD: declines vectors of differing lengths, and passes over replaced vectors throw', () => {
  const a = new Float32Array(8);
  assert.equal(simdMeanPasses(a, [a, new Float32Array(7)], [0, 1], [0.5, 0.5]), null);
  const first = simdMeanPasses(a, [a], [0], [1])!;
  simdMeanPasses(a, [a], [0], [1]);
  assert.throws(() => first.finish(), /replaced/);
});

test('layer moments on SIMD: the bits of layerMomentsOfAll for 1–13 vectors and any layer; stale ones throw', () => {
  const rng = new Rng(32);
  for (let n = 1; n <= 13; n++) {
    const d = 300;
    const vs = Array.from({ length: n }, () => wideValues(rng, d));
    const moments = simdLayerMoments(vs);
    assert.ok(moments, 'the SIMD kernel takes these vectors');
    for (const size of [0, 1, 2, 3, 5, 8, 13, 64, 257]) {
      const entry = { name: 'w', offset: Math.floor(rng.next() * 40), size, shape: [size], kind: 'weight' as const };
      const plain = layerMomentsOfAll(vs, { ...entry, fanIn: size, fanOut: 1 });
      const simd = moments(entry);
      const what = `${n} vectors, ${size} values at ${entry.offset}`;
      assert.deepEqual(bits(simd.means, true), bits(plain.means, true), `means: ${what}`);
      assert.deepEqual(bits(simd.variances, true), bits(plain.variances, true), `variances: ${what}`);
    }
  }
  const a = new Float32Array(8);
  assert.equal(simdLayerMoments([a, new Float32Array(7)]), null);
  const first = simdLayerMoments([a])!;
  simdLayerMoments([a]);
  assert.throws(() => first({ offset: 0, size: 8 }), /replaced/);
});

test('correctVariance through the SIMD moments rescales as the plain two-pass moments say', () => {
  const rng = new Rng(33);
  const layout = buildLayout([
    { name: 'w1', shape: [40, 7], kind: 'weight', fanIn: 40, fanOut: 7 },
    { name: 'b1', shape: [7], kind: 'bias', fanIn: 40, fanOut: 7 },
    { name: 'w2', shape: [7, 3], kind: 'weight', fanIn: 7, fanOut: 3 },
  ]);
  const inputs = Array.from({ length: 5 }, () => wideValues(rng, layout.totalSize));
  const out = wideValues(rng, layout.totalSize);
  const expected = out.slice();
  for (const entry of layout.entries) {
    if (entry.kind !== 'weight') continue;
    const { means, variances } = layerMomentsOfAll([expected, ...inputs], entry);
    const wanted = Array.from(variances.subarray(1)).sort((x, y) => x - y)[2]!;
    const scale = Math.sqrt(wanted / variances[0]!);
    const end = entry.offset + entry.size;
    for (let i = entry.offset; i < end; i++) expected[i] = means[0]! + (expected[i]! - means[0]!) * scale;
  }
  correctVariance(out, inputs, layout, 'inputs');
  assert.deepEqual(bits(out), bits(expected));
});

test('weightedSum: the bits of one rounded pass per input (a fill, then out += c·v), for 0–9 inputs', () => {
  const rng = new Rng(34);
  for (let m = 0; m <= 9; m++) {
    for (const d of [0, 1, 7, 64]) {
      const vs = Array.from({ length: m }, () => wideValues(rng, d));
      const cs = vs.map((_, k) => (k % 4 === 3 ? 0 : rng.gaussian() * 2 ** Math.floor(rng.next() * 8 - 4)));
      const reference = new Float32Array(d);
      const live = cs.map((c, k) => [c, k] as const).filter(([c]) => c !== 0);
      let k = 0;
      if (live.length >= 4) {
        for (let i = 0; i < d; i++)
          reference[i] = 0 + live.slice(0, 4).reduce((s, [c, u]) => s + c * vs[u]![i]!, 0 as number);
        k = 4;
      }
      for (; k + 4 <= live.length; k += 4)
        for (let i = 0; i < d; i++)
          reference[i] = live.slice(k, k + 4).reduce((s, [c, u]) => s + c * vs[u]![i]!, reference[i]!);
      for (; k < live.length; k++)
        for (let i = 0; i < d; i++) reference[i] = reference[i]! + live[k]![0] * vs[live[k]![1]]![i]!;
      const out = wideValues(rng, d);
      weightedSum(vs, cs, out);
      assert.deepEqual(bits(out), bits(reference), `${m} inputs, ${d} values`);
    }
  }
});
