/**
 * The squares of the k largest |x_i| in descending order, without a comparison sort: a histogram
 * of the magnitude bits (as in select.ts, the float's bits with the sign cleared; integer order is
 * float order, NaN patterns above +Inf) finds the values that can be among the k largest, and an
 * LSD radix sort on the same bits orders them. Ties are equal values, so the result is exactly
 * the k largest squares sorted, whichever of the tied entries a selection would have taken.
 */

const DIGIT_BITS = 11;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;
/** Bucket of a 31-bit magnitude for the histogram: its top DIGIT_BITS bits. */
const BUCKET_SHIFT = 31 - DIGIT_BITS;

// Every caller consumes the result before the next call, so one set of buffers serves the thread.
const counts = new Int32Array(1 << DIGIT_BITS);
let mags = new Int32Array(0);
let spare = new Int32Array(0);
let squares = new Float64Array(0);

/**
 * The histogram of magnitude buckets, zeroed, for a caller that counts x in a pass of its own
 * (counts[magnitudeBucket(bits of x[i])]++ for every i) and then passes `counted` below.
 */
export function zeroedMagnitudeCounts(): Int32Array {
  return counts.fill(0);
}

export function magnitudeBucket(bits: number): number {
  return (bits & 0x7fffffff) >>> BUCKET_SHIFT;
}

/** Valid until the next call. `counted`: zeroedMagnitudeCounts() already holds x's histogram. */
export function largestSquaresDescending(x: Float32Array, k: number, counted = false): Float64Array {
  const n = x.length;
  if (k > n) k = n;
  if (k <= 0) return new Float64Array(0);
  const bits = new Int32Array(x.buffer, x.byteOffset, n);
  if (!counted) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(bits[i]! & 0x7fffffff) >>> BUCKET_SHIFT]!++;
  }
  let bucket = DIGIT_MASK;
  let above = 0;
  while (above + counts[bucket]! < k) above += counts[bucket--]!;
  const c = above + counts[bucket]!;
  // Every magnitude is written, the position advances for the candidates (no branch to mispredict).
  if (mags.length < n) mags = new Int32Array(n);
  if (spare.length < c) spare = new Int32Array(c);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const a = bits[i]! & 0x7fffffff;
    mags[o] = a;
    o += (bucket - 1 - (a >>> BUCKET_SHIFT)) >>> 31;
  }
  // The sorted magnitudes read as floats are the |x_i|.
  const sortedBits = sortDescending(c);
  const sorted = new Float32Array(sortedBits.buffer, sortedBits.byteOffset, k);
  if (squares.length < k) squares = new Float64Array(k);
  for (let t = 0; t < k; t++) squares[t] = sorted[t]! * sorted[t]!;
  return squares.subarray(0, k);
}

/** Stable LSD radix sort of mags[0..c), largest first, in three passes; returns the buffer holding it. */
function sortDescending(c: number): Int32Array {
  let from = mags;
  let to = spare;
  for (let shift = 0; shift < 31; shift += DIGIT_BITS) {
    counts.fill(0);
    for (let t = 0; t < c; t++) counts[(from[t]! >>> shift) & DIGIT_MASK]!++;
    // Positions from the largest digit down.
    let at = 0;
    for (let digit = DIGIT_MASK; digit >= 0; digit--) {
      const count = counts[digit]!;
      counts[digit] = at;
      at += count;
    }
    for (let t = 0; t < c; t++) {
      const a = from[t]!;
      to[counts[(a >>> shift) & DIGIT_MASK]!++] = a;
    }
    const done = to;
    to = from;
    from = done;
  }
  return from;
}
