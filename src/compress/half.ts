/**
 * IEEE 754 binary16 conversion on raw bits. Encoding rounds to nearest-even and saturates
 * finite values beyond the half range to ±65504 (so large but finite inputs never become Inf);
 * NaN and ±Inf map to half NaN / ±Inf, which decoders reject.
 */
const scratchF = new Float32Array(1);
const scratchU = new Uint32Array(scratchF.buffer);

export const HALF_MAX = 65504;

/** binary16 bits from binary32 bits. */
export function halfFromF32Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  let a = bits & 0x7fffffff;
  let o: number;
  if (a >= 0x47800000) {
    // |v| >= 65536, Inf or NaN.
    o = a > 0x7f800000 ? 0x7e00 : a === 0x7f800000 ? 0x7c00 : 0x7bff;
  } else if (a < 0x38800000) {
    // Below the smallest normal half (2^-14): adding 0.5 in float32 rounds the value to a
    // multiple of 2^-24 (the half subnormal step), leaving the half mantissa in the low bits.
    scratchU[0] = a;
    scratchF[0] = scratchF[0]! + 0.5;
    o = scratchU[0]! - 0x3f000000;
  } else {
    const mantOdd = (a >>> 13) & 1;
    // Rebias exponent (127 -> 15) and add the round-to-nearest-even bias in one go.
    a = a - 0x37fff001 + mantOdd;
    o = a >>> 13;
    if (o > 0x7bff) o = 0x7bff;
  }
  return o | sign;
}

/** binary16 bits of a JS number (rounded to float32 first). */
export function halfFromNumber(v: number): number {
  scratchF[0] = v;
  return halfFromF32Bits(scratchU[0]!);
}

/** Float value of every binary16 bit pattern; decoding is one table lookup. */
export const HALF_TO_F32: Float32Array = buildHalfTable();

function buildHalfTable(): Float32Array {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    let v: number;
    if (exp === 0) v = mant * 2 ** -24;
    else if (exp === 31) v = mant === 0 ? Infinity : NaN;
    else v = (1 + mant / 1024) * 2 ** (exp - 15);
    t[h] = h & 0x8000 ? -v : v;
  }
  return t;
}

/** True when the half bit pattern is Inf or NaN. */
export function halfIsNonFinite(h: number): boolean {
  return (h & 0x7c00) === 0x7c00;
}
