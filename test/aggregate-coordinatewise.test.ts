import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  coordinateMedian,
  coordinateTrimmedMean,
  medianBySelection,
  trimmedMeanBySelection,
} from '../src/aggregate/coordinatewise.ts';
import { simdKernelAvailable } from '../src/aggregate/network-kernel.ts';
import { sortingNetwork, pruneNetwork } from '../src/aggregate/network.ts';
import { weightedSum } from '../src/aggregate/vector-ops.ts';
import { Rng } from '../src/util/rng.ts';

/** Applies a comparator network to a plain array. */
function applyNetwork(network: Int32Array, values: number[]): number[] {
  const a = values.slice();
  for (let q = 0; q < network.length; q += 2) {
    const lo = network[q]!;
    const hi = network[q + 1]!;
    if (a[hi]! < a[lo]!) [a[lo], a[hi]] = [a[hi]!, a[lo]!];
  }
  return a;
}

function sortedColumn(vectors: Float32Array[], i: number): number[] {
  return vectors.map((v) => v[i]!).sort((a, b) => a - b);
}

function referenceMedian(col: number[]): number {
  const n = col.length;
  return Math.fround(n % 2 ? col[(n - 1) / 2]! : (col[n / 2 - 1]! + col[n / 2]!) / 2);
}

function referenceTrimmedMean(col: number[], b: number): number {
  let s = 0;
  for (let i = b; i < col.length - b; i++) s += col[i]!;
  return Math.fround(s / (col.length - 2 * b));
}

describe('comparator networks', () => {
  it('sort every 0/1 input for n ≤ 12 (hence every input, by the 0-1 principle)', () => {
    for (let n = 1; n <= 12; n++) {
      const net = sortingNetwork(n);
      for (let mask = 0; mask < 1 << n; mask++) {
        const bits = Array.from({ length: n }, (_, i) => (mask >> i) & 1);
        const out = applyNetwork(net, bits);
        assert.deepEqual(out, bits.slice().sort(), `n=${n} mask=${mask}`);
      }
    }
  });

  it('pruned networks still produce the needed wires and preserve the multiset', () => {
    const rng = new Rng(5);
    for (const n of [5, 8, 13, 32]) {
      const needed = [0, Math.floor(n / 2), n - 1];
      const net = pruneNetwork(sortingNetwork(n), needed);
      assert.ok(net.length <= sortingNetwork(n).length);
      for (let trial = 0; trial < 50; trial++) {
        const values = Array.from({ length: n }, () => rng.int(10));
        const out = applyNetwork(net, values);
        const sorted = values.slice().sort((a, b) => a - b);
        for (const w of needed) assert.equal(out[w], sorted[w]);
        assert.deepEqual(
          out.slice().sort((a, b) => a - b),
          sorted,
        );
      }
    }
  });
});

describe('coordinate-wise median and trimmed mean', () => {
  const rng = new Rng(9);
  const d = 1031;
  const make = (n: number) =>
    Array.from({ length: n }, () =>
      Float32Array.from({ length: d }, () => (rng.next() < 0.1 ? rng.int(3) : rng.gaussian())),
    );

  it('run on the WebAssembly SIMD kernel here', () => assert.ok(simdKernelAvailable()));

  const engines = {
    'SIMD kernel': { median: coordinateMedian, trimmed: coordinateTrimmedMean },
    'JavaScript fallback': { median: medianBySelection, trimmed: trimmedMeanBySelection },
  };
  const sizes = [1, 2, 3, 4, 5, 8, 9, 16, 17, 31, 32, 33, 64, 80];
  for (const [engine, { median, trimmed }] of Object.entries(engines)) {
    for (const n of sizes) {
      it(`${engine}: match a full sort for n = ${n} (ties included)`, () => {
        const vs = make(n);
        const med = median(vs);
        const trims = [...new Set([0, 1, Math.floor((n - 1) / 4), Math.floor((n - 1) / 2)])].filter((b) => 2 * b < n);
        const tms = trims.map((b) => trimmed(vs, b));
        for (let i = 0; i < d; i++) {
          const col = sortedColumn(vs, i);
          assert.equal(med[i], referenceMedian(col), `median at ${i}`);
          trims.forEach((b, t) => {
            const want = referenceTrimmedMean(col, b);
            assert.ok(Math.abs(tms[t]![i]! - want) <= 1e-6 * (1 + Math.abs(want)), `trim ${b} at ${i}`);
          });
        }
      });
    }
  }

  it('SIMD kernel equals the JavaScript fallback across block boundaries', () => {
    const long = 20_011;
    for (const n of [3, 8, 32]) {
      const vs = Array.from({ length: n }, () => Float32Array.from({ length: long }, () => rng.gaussian()));
      assert.deepEqual(coordinateMedian(vs), medianBySelection(vs), `median n=${n}`);
      const b = Math.floor(n / 4);
      const fast = coordinateTrimmedMean(vs, b);
      const slow = trimmedMeanBySelection(vs, b);
      for (let i = 0; i < long; i++)
        assert.ok(Math.abs(fast[i]! - slow[i]!) <= 1e-6 * (1 + Math.abs(slow[i]!)), `trim n=${n} at ${i}`);
    }
  });

  it('SIMD kernel: the bits of weightedSum over the middle values, 1/m each (m of 1 to 16)', () => {
    // The pruned network leaves the middle values in no set order, so each column's middle values are
    // equal (the sum's order cannot matter; its chunks of four and single passes still do).
    const long = 20_011;
    for (const [n, b] of [
      [5, 1],
      [5, 2],
      [4, 1],
      [9, 2],
      [17, 2],
      [32, 8],
      [16, 0],
    ] as const) {
      const m = n - 2 * b;
      const vs = Array.from({ length: n }, () => new Float32Array(long));
      const middle = Array.from({ length: m }, () => new Float32Array(long));
      for (let i = 0; i < long; i++) {
        const v = rng.next() < 0.05 ? -0 : Math.fround(rng.gaussian() * 2 ** (rng.int(40) - 20));
        const col = [
          ...Array.from({ length: b }, () => -1e30 * (1 + rng.next())),
          ...new Array<number>(m).fill(v),
          ...Array.from({ length: b }, () => 1e30 * (1 + rng.next())),
        ];
        rng.shuffle(col);
        col.forEach((x, w) => (vs[w]![i] = x));
        for (let j = 0; j < m; j++) middle[j]![i] = v;
      }
      const want = weightedSum(middle, new Array<number>(m).fill(1 / m));
      const got = coordinateTrimmedMean(vs, b);
      const bitsOf = (v: Float32Array) => new Uint32Array(v.buffer, v.byteOffset, v.length);
      assert.deepEqual(bitsOf(got), bitsOf(want), `n=${n} trim ${b}`);
    }
  });

  it('order ±0 and ±∞ like floats and treat NaN as an extreme value', () => {
    const col = [-0, 0, Infinity, -Infinity, 1.5, -2.5, 3];
    const vs = col.map((x) => Float32Array.of(x, x === 3 ? NaN : x));
    assert.equal(coordinateMedian(vs)[0], 0);
    assert.equal(coordinateTrimmedMean(vs, 1)[0], Math.fround((-0 + 0 + 1.5 - 2.5 + 3) / 5));
    assert.ok(Number.isFinite(coordinateTrimmedMean(vs, 2)[1]!));
    assert.ok(Number.isFinite(trimmedMeanBySelection(vs, 2)[1]!));
    assert.equal(medianBySelection(vs)[0], 0);
  });

  it('reject impossible trim counts', () => {
    assert.throws(() => coordinateTrimmedMean(make(4), 2), /trim/);
  });
});
