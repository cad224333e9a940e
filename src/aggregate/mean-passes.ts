/**
 * The passes of the corrected weighted mean (corrected-mean.ts) as plain loops. mean-simd.ts does the
 * same passes on WebAssembly SIMD with the same bits; these run where it cannot.
 */
import { squaredDeviations } from './vector-ops.ts';

/**
 * Passes over [start, end) of the output and the inputs. `j` indexes the inputs that are summed
 * (those with a non-zero coefficient, in order); `sums` is indexed the same way.
 */
export interface MeanPasses {
  /** weightedSum's chunk of four (summed inputs j … j+3): their sums into sums[j …], returns Σ out. */
  four(j: number, first: boolean, start: number, end: number, sums: Float64Array): number;
  /** four(j) then one(j + 4), in one pass where the passes can: the sums into sums[j … j+4], returns Σ out. */
  five(j: number, first: boolean, start: number, end: number, sums: Float64Array): number;
  /** weightedSum's single-input tail (summed input j): its sum into sums[j], returns Σ out. */
  one(j: number, start: number, end: number, sums: Float64Array): number;
  zero(start: number, end: number): void;
  /** Σ of input u (any input, by its index in the inputs). */
  sumOf(u: number, start: number, end: number): number;
  /** squaredDeviations of [out, ...inputs] around means (index 0 the output's, u + 1 input u's). */
  squares(means: Float64Array, start: number, end: number, squares: Float64Array): void;
  /** out = mean + (out − mean) · scale. */
  rescale(start: number, end: number, mean: number, scale: number): void;
  /** Leave the result in out. */
  finish(): void;
}

/** One pass of weightedSum's chunk of four over [start, end), with the four inputs' sums. */
function chunkOfFour(
  out: Float32Array,
  v: readonly Float32Array[],
  c: readonly number[],
  k: number,
  first: boolean,
  start: number,
  end: number,
  sums: Float64Array,
): number {
  const [a, b, x, e] = [v[k]!, v[k + 1]!, v[k + 2]!, v[k + 3]!];
  const [ca, cb, cx, ce] = [c[k]!, c[k + 1]!, c[k + 2]!, c[k + 3]!];
  let sa = 0;
  let sb = 0;
  let sx = 0;
  let se = 0;
  let so = 0;
  // The first chunk adds to +0, as weightedSum's 0 + …
  if (first) out.fill(0, start, end);
  for (let i = start; i < end; i++) {
    const ai = a[i]!;
    const bi = b[i]!;
    const xi = x[i]!;
    const ei = e[i]!;
    const o = Math.fround(out[i]! + ca * ai + cb * bi + cx * xi + ce * ei);
    out[i] = o;
    sa += ai;
    sb += bi;
    sx += xi;
    se += ei;
    so += o;
  }
  sums[k] = sa;
  sums[k + 1] = sb;
  sums[k + 2] = sx;
  sums[k + 3] = se;
  return so;
}

/** One pass of weightedSum's single-input tail over [start, end), with that input's sum. */
function single(
  out: Float32Array,
  a: Float32Array,
  ca: number,
  start: number,
  end: number,
  sums: Float64Array,
  k: number,
): number {
  let sa = 0;
  let so = 0;
  for (let i = start; i < end; i++) {
    const ai = a[i]!;
    const o = Math.fround(out[i]! + ca * ai);
    out[i] = o;
    sa += ai;
    so += o;
  }
  sums[k] = sa;
  return so;
}

function sumOf(v: Float32Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += v[i]!;
  return s;
}

/** The passes as plain loops; `summed` (input indices) and `coeffs` list the summed inputs. */
export function plainMeanPasses(
  out: Float32Array,
  inputs: readonly Float32Array[],
  summed: readonly number[],
  coeffs: readonly number[],
): MeanPasses {
  const withOut = [out, ...inputs];
  const vs = summed.map((u) => inputs[u]!);
  return {
    four: (j, first, start, end, sums) => chunkOfFour(out, vs, coeffs, j, first, start, end, sums),
    five(j, first, start, end, sums) {
      chunkOfFour(out, vs, coeffs, j, first, start, end, sums);
      return single(out, vs[j + 4]!, coeffs[j + 4]!, start, end, sums, j + 4);
    },
    one: (j, start, end, sums) => single(out, vs[j]!, coeffs[j]!, start, end, sums, j),
    zero: (start, end) => out.fill(0, start, end),
    sumOf: (u, start, end) => sumOf(inputs[u]!, start, end),
    squares: (means, start, end, squares) => squaredDeviations(withOut, means, start, end, squares),
    rescale(start, end, mean, scale) {
      for (let i = start; i < end; i++) out[i] = mean + (out[i]! - mean) * scale;
    },
    finish() {},
  };
}
