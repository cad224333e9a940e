/**
 * A weighted mean followed by the 'inputs' variance correction, in three passes over the vectors
 * instead of eight: the layer sums of every input and of the output ride along with the weighted
 * sum, and every squared deviation comes from one more pass. Each value is computed in the same
 * order as weightedSum then correctVariance (same chunks of four, same double sums in index order),
 * so the result is bit-identical to them.
 */
import type { ParamLayout } from '../learn/layout.ts';
import { medianOf } from './variance-correction.ts';
import { squaredDeviations } from './vector-ops.ts';

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
  if (first) {
    for (let i = start; i < end; i++) {
      const ai = a[i]!;
      const bi = b[i]!;
      const xi = x[i]!;
      const ei = e[i]!;
      const o = Math.fround(0 + ca * ai + cb * bi + cx * xi + ce * ei);
      out[i] = o;
      sa += ai;
      sb += bi;
      sx += xi;
      se += ei;
      so += o;
    }
  } else {
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

/**
 * out = Σ_k coeffs[k] · inputs[k], then every weight layer of out rescaled around its mean to the
 * median of the inputs' variances of that layer (what weightedSum then correctVariance(…, 'inputs')
 * give, bit for bit). Zero coefficients leave their input out of the sum, not out of the median.
 */
export function correctedWeightedSum(
  inputs: readonly Float32Array[],
  coeffs: ArrayLike<number>,
  layout: ParamLayout,
  out: Float32Array = new Float32Array(layout.totalSize),
): Float32Array {
  const n = inputs.length;
  if (coeffs.length !== n) throw new Error(`got ${coeffs.length} coefficients for ${n} inputs`);
  if (layout.totalSize !== out.length)
    throw new Error(`layout covers ${layout.totalSize} parameters, vector has ${out.length}`);
  const vs: Float32Array[] = [];
  const cs: number[] = [];
  const position: number[] = [];
  const unused: number[] = [];
  for (let k = 0; k < n; k++) {
    if (coeffs[k] !== 0) {
      position.push(k);
      vs.push(inputs[k]!);
      cs.push(coeffs[k]!);
    } else unused.push(k);
  }
  const m = vs.length;
  const sums = new Float64Array(m);
  const means = new Float64Array(n + 1);
  const squares = new Float64Array(n + 1);
  const variances: number[] = new Array(n);
  const withOut = [out, ...inputs];
  for (const entry of layout.entries) {
    const start = entry.offset;
    const end = start + entry.size;
    if (m < 4) out.fill(0, start, end);
    let outSum = 0;
    let k = 0;
    for (; k + 4 <= m; k += 4) outSum = chunkOfFour(out, vs, cs, k, k === 0, start, end, sums);
    for (; k < m; k++) outSum = single(out, vs[k]!, cs[k]!, start, end, sums, k);
    if (entry.kind !== 'weight' || entry.size < 2) continue;
    const size = entry.size;
    means[0] = outSum / size;
    for (let j = 0; j < m; j++) means[position[j]! + 1] = sums[j]! / size;
    for (const u of unused) means[u + 1] = sumOf(inputs[u]!, start, end) / size;
    squaredDeviations(withOut, means, start, end, squares);
    for (let j = 0; j < n; j++) variances[j] = squares[j + 1]! / size;
    const wanted = medianOf(variances);
    const current = squares[0]! / size;
    if (!(current > 0) || !Number.isFinite(current) || !Number.isFinite(wanted) || wanted < 0) continue;
    const mean = means[0]!;
    const scale = Math.sqrt(wanted / current);
    for (let i = start; i < end; i++) out[i] = mean + (out[i]! - mean) * scale;
  }
  return out;
}
