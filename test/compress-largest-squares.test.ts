import { test } from 'node:test';
import assert from 'node:assert/strict';
import { largestSquaresDescending, magnitudeBucket, zeroedMagnitudeCounts } from '../src/compress/largest-squares.ts';
import { TopKSelector } from '../src/compress/select.ts';
import { Rng } from '../src/util/rng.ts';

/** What the layered codec computed before: select the k largest, square, sort, reverse. */
function bySorting(x: Float32Array, k: number): Float64Array {
  const idx = new TopKSelector().select(x, k, 3);
  return Float64Array.from(idx, (i) => x[i]! * x[i]!)
    .sort()
    .reverse();
}

/** The caller's own histogram pass (as the layered codec's pricing pass makes it), then `counted`. */
function countedFirst(x: Float32Array, k: number): Float64Array {
  const counts = zeroedMagnitudeCounts();
  const bits = new Int32Array(x.buffer, x.byteOffset, x.length);
  for (let i = 0; i < x.length; i++) counts[magnitudeBucket(bits[i]!)]!++;
  return largestSquaresDescending(x, k, true);
}

function assertSame(x: Float32Array, k: number, what: string, find = largestSquaresDescending): void {
  const expected = bySorting(x, k);
  const actual = find(x, k);
  assert.equal(actual.length, expected.length, what);
  for (let t = 0; t < expected.length; t++) {
    if (!Object.is(actual[t], expected[t]))
      assert.fail(`${what}: position ${t}: ${actual[t]} instead of ${expected[t]}`);
  }
}

test('largest squares: the k largest squares in descending order, as selecting and sorting gives', () => {
  const rng = new Rng(4);
  for (const n of [1, 2, 7, 100, 5000, 40000]) {
    const gaussian = rng.gaussianVector(n, 0.01);
    // Few distinct values: many ties at the k-th magnitude, including +0 and −0.
    const ties = Float32Array.from({ length: n }, () => [0, -0, 1, -1, 0.5, -2][rng.int(6)]!);
    // Magnitudes over the whole float range: subnormals, huge values, ±Inf.
    const wide = Float32Array.from({ length: n }, () => {
      const u = rng.next();
      if (u < 0.02) return u < 0.01 ? Infinity : -Infinity;
      return (rng.next() < 0.5 ? -1 : 1) * 2 ** (rng.int(300) - 160) * (1 + rng.next());
    });
    for (const [name, x] of [
      ['gaussian', gaussian],
      ['ties', ties],
      ['wide', wide],
    ] as const) {
      for (const k of new Set([1, 2, Math.round(0.2 * n), n - 1, n])) {
        if (k < 1) continue;
        assertSame(x, k, `${name} n=${n} k=${k}`);
        assertSame(x, k, `${name} n=${n} k=${k}, counted by the caller`, countedFirst);
      }
    }
  }
});

test('largest squares: a NaN counts as the largest, a k beyond the length takes everything', () => {
  const x = Float32Array.from([3, Number.NaN, -4, 1]);
  const s = largestSquaresDescending(x, 2);
  assert.ok(Number.isNaN(s[0]));
  assert.equal(s[1], 16);
  assert.deepEqual([...largestSquaresDescending(x.subarray(2), 5)], [16, 1]);
  assert.equal(largestSquaresDescending(x, 0).length, 0);
});
