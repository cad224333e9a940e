/**
 * A weighted mean followed by the 'inputs' variance correction, in three passes over the vectors
 * instead of eight: the layer sums of every input and of the output ride along with the weighted
 * sum, and every squared deviation comes from one more pass. Each value is computed in the same
 * order as weightedSum then correctVariance (same chunks of four, same double sums in index order),
 * so the result is bit-identical to them.
 */
import type { ParamLayout } from '../learn/layout.ts';
import { plainMeanPasses } from './mean-passes.ts';
import { simdMeanPasses } from './mean-simd.ts';
import { medianOf } from './variance-correction.ts';

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
  const cs: number[] = [];
  const position: number[] = [];
  const unused: number[] = [];
  for (let k = 0; k < n; k++) {
    if (coeffs[k] !== 0) {
      position.push(k);
      cs.push(coeffs[k]!);
    } else unused.push(k);
  }
  const m = position.length;
  const passes = simdMeanPasses(out, inputs, position, cs) ?? plainMeanPasses(out, inputs, position, cs);
  const sums = new Float64Array(m);
  const means = new Float64Array(n + 1);
  const squares = new Float64Array(n + 1);
  const variances: number[] = new Array(n);
  for (const entry of layout.entries) {
    const start = entry.offset;
    const end = start + entry.size;
    if (m < 4) passes.zero(start, end);
    let outSum = 0;
    let k = 0;
    for (; k + 4 <= m; k += 4) {
      if (m - k === 5) {
        outSum = passes.five(k, k === 0, start, end, sums);
        k = m;
        break;
      }
      outSum = passes.four(k, k === 0, start, end, sums);
    }
    for (; k < m; k++) outSum = passes.one(k, start, end, sums);
    if (entry.kind !== 'weight' || entry.size < 2) continue;
    const size = entry.size;
    means[0] = outSum / size;
    for (let j = 0; j < m; j++) means[position[j]! + 1] = sums[j]! / size;
    for (const u of unused) means[u + 1] = passes.sumOf(u, start, end) / size;
    passes.squares(means, start, end, squares);
    for (let j = 0; j < n; j++) variances[j] = squares[j + 1]! / size;
    const wanted = medianOf(variances);
    const current = squares[0]! / size;
    if (!(current > 0) || !Number.isFinite(current) || !Number.isFinite(wanted) || wanted < 0) continue;
    const mean = means[0]!;
    const scale = Math.sqrt(wanted / current);
    passes.rescale(start, end, mean, scale);
  }
  passes.finish();
  return out;
}
