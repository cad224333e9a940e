/**
 * Exact top-k selection by magnitude without sorting. Magnitudes are compared as the float's bit
 * pattern with the sign cleared (for non-negative floats, integer order equals float order; NaN
 * patterns sort above +Inf, so a NaN is always selected and the decoder then rejects it).
 *
 * Fast path: estimate a threshold from a random sample, collect the (in index order) candidates
 * at or above it in one pass, then quickselect the exact k-th largest among the candidates.
 * If the estimate misses (too few or too many candidates) fall back to quickselect over all of x.
 */
import { Rng } from '../util/rng.ts';

const SAMPLE_SIZE = 4096;
/** Below this size, or when k is a large share of d, sampling does not pay off. */
const SAMPLED_MIN_D = 32768;
const SAMPLED_MAX_FRACTION = 0.2;

export class TopKSelector {
  /** Allocated on first use: a simulator holds one selector per node, most never take this path. */
  private sample = new Int32Array(0);
  private candIdx = new Int32Array(0);
  private candMag = new Int32Array(0);
  private work = new Int32Array(0);
  private chosen = new Int32Array(0);

  /**
   * Indices of the k largest |x_i|, ascending. Ties at the k-th magnitude go to the lowest indices,
   * so exactly min(k, d) indices are returned. The returned view is reused by the next call.
   */
  select(x: Float32Array, k: number, seed: number): Int32Array {
    const d = x.length;
    if (k > d) k = d;
    if (this.chosen.length < k) this.chosen = new Int32Array(k);
    const chosen = this.chosen.subarray(0, k);
    if (k === 0) return chosen;
    const bits = new Int32Array(x.buffer, x.byteOffset, d);
    if (d >= SAMPLED_MIN_D && k <= d * SAMPLED_MAX_FRACTION && this.selectSampled(bits, k, seed, chosen)) {
      return chosen;
    }
    this.selectExact(bits, k, chosen);
    return chosen;
  }

  private selectSampled(bits: Int32Array, k: number, seed: number, chosen: Int32Array): boolean {
    const d = bits.length;
    const m = SAMPLE_SIZE;
    const rng = new Rng(seed ^ 0x5bd1e995);
    if (this.sample.length < m) this.sample = new Int32Array(m);
    const sample = this.sample;
    // All the positions first, then the reads: the cache misses of x overlap instead of waiting on the generator.
    rng.fillInts(sample, m, d);
    for (let s = 0; s < m; s++) sample[s] = bits[sample[s]!]! & 0x7fffffff;
    // Aim the threshold somewhat below the expected k-th magnitude so that, with overwhelming
    // probability, at least k elements pass, while keeping the candidate list small.
    const expected = (m * k) / d;
    const rank = Math.ceil(expected * 1.25 + 4 * Math.sqrt(expected) + 2);
    if (rank >= m) return false;
    const threshold = kthLargest(sample, m, rank, seed);
    const cap = Math.min(d, Math.ceil((d * rank * 2) / m) + 1024);
    if (this.candIdx.length < cap) {
      this.candIdx = new Int32Array(cap);
      this.candMag = new Int32Array(cap);
      this.work = new Int32Array(cap);
    }
    const candIdx = this.candIdx;
    const candMag = this.candMag;
    let c = 0;
    for (let i = 0; i < d; i++) {
      const a = bits[i]! & 0x7fffffff;
      if (a >= threshold) {
        if (c === cap) return false;
        candIdx[c] = i;
        candMag[c] = a;
        c++;
      }
    }
    if (c < k) return false;
    const work = this.work;
    work.set(candMag.subarray(0, c));
    const kth = kthLargest(work, c, k, seed);
    let ties = k - countAbove(candMag, c, kth);
    let o = 0;
    for (let j = 0; j < c; j++) {
      const a = candMag[j]!;
      if (a > kth || (a === kth && ties-- > 0)) chosen[o++] = candIdx[j]!;
    }
    return true;
  }

  private selectExact(bits: Int32Array, k: number, chosen: Int32Array): void {
    const d = bits.length;
    if (this.work.length < d) this.work = new Int32Array(d);
    const work = this.work;
    for (let i = 0; i < d; i++) work[i] = bits[i]! & 0x7fffffff;
    const kth = kthLargest(work, d, k, 0x9e3779b9);
    let gt = 0;
    for (let i = 0; i < d; i++) if ((bits[i]! & 0x7fffffff) > kth) gt++;
    let ties = k - gt;
    let o = 0;
    for (let i = 0; i < d; i++) {
      const a = bits[i]! & 0x7fffffff;
      if (a > kth || (a === kth && ties-- > 0)) chosen[o++] = i;
    }
  }
}

function countAbove(a: Int32Array, n: number, v: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (a[i]! > v) c++;
  return c;
}

/**
 * The k-th largest (1-based) of a[0..n), partially reordering a. Hoare-partition quickselect
 * with pseudo-random pivots, so no input ordering triggers the quadratic case.
 */
export function kthLargest(a: Int32Array, n: number, k: number, seed: number): number {
  const target = n - k; // index in ascending order
  let l = 0;
  let r = n - 1;
  let state = (seed | 1) >>> 0;
  while (l < r) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const pivot = a[l + (state % (r - l + 1))]!;
    let i = l;
    let j = r;
    do {
      while (a[i]! < pivot) i++;
      while (pivot < a[j]!) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < target) l = i;
    if (target < i) r = j;
  }
  return a[target]!;
}
