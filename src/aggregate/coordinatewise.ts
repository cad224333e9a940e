/**
 * Coordinate-wise median and trimmed mean over n vectors.
 *
 * The fast path is the SIMD sorting-network kernel (network-kernel.ts). Where WebAssembly is
 * unavailable, the same blocked transpose is done in JavaScript: one block of coordinates at
 * a time goes into a small scratch buffer, so each coordinate's n values sit contiguously
 * for an in-place quickselect while the scratch stays in cache. Like the kernel, it treats
 * NaN as an extreme value (as +∞, where the kernel goes by the NaN's sign bit).
 */
import { runOrderStatistic } from './network-kernel.ts';
import { maxOf, selectKth } from './select.ts';

/** Reduces the column a[start .. start+n) (which it may reorder) to one value. */
type ColumnReducer = (a: Float32Array, start: number, n: number) => number;

const BLOCK = 512;

function reduceBlockwise(vectors: readonly Float32Array[], reduce: ColumnReducer): Float32Array {
  const n = vectors.length;
  const d = vectors[0]!.length;
  const out = new Float32Array(d);
  const scratch = new Float32Array(BLOCK * n);
  for (let base = 0; base < d; base += BLOCK) {
    const len = Math.min(BLOCK, d - base);
    for (let k = 0; k < n; k++) {
      const v = vectors[k]!;
      for (let c = 0, p = k; c < len; c++, p += n) {
        const x = v[base + c]!;
        scratch[p] = Number.isNaN(x) ? Infinity : x;
      }
    }
    for (let c = 0, s = 0; c < len; c++, s += n) out[base + c] = reduce(scratch, s, n);
  }
  return out;
}

function columnMedian(a: Float32Array, lo: number, n: number): number {
  const k = lo + (n >> 1);
  selectKth(a, lo, lo + n, k);
  if (n & 1) return a[k]!;
  return (maxOf(a, lo, k) + a[k]!) / 2;
}

function columnTrimmedMean(a: Float32Array, lo: number, n: number, b: number): number {
  const hi = lo + n;
  if (b > 0) {
    selectKth(a, lo, hi, lo + b);
    selectKth(a, lo + b, hi, hi - b - 1);
  }
  let s = 0;
  for (let i = lo + b; i < hi - b; i++) s += a[i]!;
  return s / (n - 2 * b);
}

/** The JavaScript fallback, exported for tests. */
export function medianBySelection(vectors: readonly Float32Array[]): Float32Array {
  return reduceBlockwise(vectors, columnMedian);
}

/** The JavaScript fallback, exported for tests. */
export function trimmedMeanBySelection(vectors: readonly Float32Array[], trim: number): Float32Array {
  return reduceBlockwise(vectors, (a, lo, n) => columnTrimmedMean(a, lo, n, trim));
}

/** Per coordinate: the middle value, or the mean of the two middle values when n is even. */
export function coordinateMedian(vectors: readonly Float32Array[]): Float32Array {
  return runOrderStatistic(vectors, { kind: 'median' }) ?? medianBySelection(vectors);
}

/** Per coordinate: the mean after dropping the `trim` smallest and `trim` largest values. */
export function coordinateTrimmedMean(vectors: readonly Float32Array[], trim: number): Float32Array {
  if (!Number.isInteger(trim) || trim < 0 || 2 * trim >= vectors.length) {
    throw new Error(`trim must be an integer with 0 <= 2·trim < ${vectors.length}, got ${trim}`);
  }
  return runOrderStatistic(vectors, { kind: 'trimmed-mean', trim }) ?? trimmedMeanBySelection(vectors, trim);
}
