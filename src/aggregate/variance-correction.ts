/**
 * Variance-corrected averaging, after "Vanishing Variance Problem in Fully Decentralized
 * Neural-Network Systems" (Tian et al., arXiv 2404.04616). Averaging k uncorrelated models
 * divides each weight layer's variance by up to k, pushing it below the Xavier/Glorot
 * optimum and slowing gossip learning. After aggregation we therefore rescale every weight
 * layer around its own mean so that its variance equals a target:
 *
 *   x ← μ + (x − μ) · sqrt(σ²_target / σ²_out)
 *
 * Targets:
 *  - 'inputs': the median of the inputs' variances for that layer. The paper uses their
 *    average; the median equals it for one or two inputs and for similar honest models, but
 *    a minority of Byzantine inputs with inflated variance cannot drag it up, so the
 *    correction composes with the robust rules.
 *  - 'xavier': the Glorot variance 2 / (fanIn + fanOut) of the layer.
 *
 * Bias layers (kind 'bias') are left untouched: they are usually initialised to zero, so
 * there is no variance to restore, and rescaling them would only amplify their drift.
 * Layers whose output variance is zero (or not finite) are left untouched as well.
 */
import type { LayerEntry, ParamLayout } from '../learn/layout.ts';
import { simdLayerMoments, type LayerMoments } from './mean-simd.ts';
import { squaredDeviations } from './vector-ops.ts';

/** Mean and population variance of the layer's slice of `vec` (double precision, two passes). */
export function layerMoments(vec: Float32Array, entry: LayerEntry): { mean: number; variance: number } {
  const { offset, size } = entry;
  if (size === 0) return { mean: 0, variance: 0 };
  const end = offset + size;
  let sum = 0;
  for (let i = offset; i < end; i++) sum += vec[i]!;
  const mean = sum / size;
  let sq = 0;
  for (let i = offset; i < end; i++) {
    const t = vec[i]! - mean;
    sq += t * t;
  }
  return { mean, variance: sq / size };
}

export function layerVariance(vec: Float32Array, entry: LayerEntry): number {
  return layerMoments(vec, entry).variance;
}

export type VarianceTarget = 'inputs' | 'xavier';

/**
 * layerMoments of one layer of every vector: the same two passes and the same order of additions
 * for each (so the same values), four independent sums per loop instead of one. A last group of
 * fewer than four is padded with its last vector: the spare sums cost little next to a lone chain
 * of dependent additions.
 */
export function layerMomentsOfAll(
  vs: readonly Float32Array[],
  entry: LayerEntry,
): { means: Float64Array; variances: Float64Array } {
  const { offset, size } = entry;
  const n = vs.length;
  if (size === 0 || n === 0) return { means: new Float64Array(n), variances: new Float64Array(n) };
  const all = [...vs];
  while (all.length % 4 !== 0) all.push(vs[n - 1]!);
  const means = new Float64Array(all.length);
  const end = offset + size;
  for (let k = 0; k < all.length; k += 4) {
    const [a, b, c, d] = [all[k]!, all[k + 1]!, all[k + 2]!, all[k + 3]!];
    let sa = 0;
    let sb = 0;
    let sc = 0;
    let sd = 0;
    for (let i = offset; i < end; i++) {
      sa += a[i]!;
      sb += b[i]!;
      sc += c[i]!;
      sd += d[i]!;
    }
    means[k] = sa / size;
    means[k + 1] = sb / size;
    means[k + 2] = sc / size;
    means[k + 3] = sd / size;
  }
  const squares = new Float64Array(all.length);
  squaredDeviations(all, means, offset, end, squares);
  const variances = new Float64Array(n);
  for (let k = 0; k < n; k++) variances[k] = squares[k]! / size;
  return { means: means.subarray(0, n), variances };
}

function layerVariances(inputs: readonly Float32Array[], entry: LayerEntry): number[] {
  return Array.from(layerMomentsOfAll(inputs, entry).variances);
}

export function targetVariance(inputs: readonly Float32Array[], entry: LayerEntry, target: VarianceTarget): number {
  if (target === 'xavier') return entry.fanIn + entry.fanOut > 0 ? 2 / (entry.fanIn + entry.fanOut) : NaN;
  return medianOf(layerVariances(inputs, entry));
}

/** The median (mean of the middle two for an even count; NaN for none). Sorts `values` in place. */
export function medianOf(values: number[]): number {
  const v = values.sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

type LayerTarget = (entry: LayerEntry) => { mean: number; current: number; wanted: number };

/**
 * For each layer: x's mean and variance there and the variance it should have. With the 'inputs'
 * target every moment of x and the inputs comes from one layerMomentsOfAll, on the SIMD kernel
 * (one copy of the vectors for all layers) where it can run.
 */
function layerTargets(x: Float32Array, inputs: readonly Float32Array[], target: VarianceTarget): LayerTarget {
  if (target === 'xavier') {
    return (entry) => {
      const { mean, variance } = layerMoments(x, entry);
      return { mean, current: variance, wanted: targetVariance(inputs, entry, target) };
    };
  }
  const all = [x, ...inputs];
  const moments: (entry: LayerEntry) => LayerMoments =
    simdLayerMoments(all) ?? ((entry) => layerMomentsOfAll(all, entry));
  return (entry) => {
    const { means, variances } = moments(entry);
    return { mean: means[0]!, current: variances[0]!, wanted: medianOf(Array.from(variances.subarray(1))) };
  };
}

/** Weight layers of two values or more are rescaled; bias layers and single values are left alone. */
const isCorrected = (entry: LayerEntry): boolean => entry.kind === 'weight' && entry.size >= 2;

/** Rescales every weight layer of `out` in place to the target variance (see module doc). */
export function correctVariance(
  out: Float32Array,
  inputs: readonly Float32Array[],
  layout: ParamLayout,
  target: VarianceTarget,
): void {
  if (layout.totalSize !== out.length)
    throw new Error(`layout covers ${layout.totalSize} parameters, vector has ${out.length}`);
  if (!layout.entries.some(isCorrected)) return;
  const layerTarget = layerTargets(out, inputs, target);
  for (const entry of layout.entries) {
    if (!isCorrected(entry)) continue;
    const { mean, current, wanted } = layerTarget(entry);
    if (!(current > 0) || !Number.isFinite(current) || !Number.isFinite(wanted) || wanted < 0) continue;
    const scale = Math.sqrt(wanted / current);
    const end = entry.offset + entry.size;
    for (let i = entry.offset; i < end; i++) out[i] = mean + (out[i]! - mean) * scale;
  }
}

/** One weight layer's affine map v ← mean + (v − mean) · scale (layer = index in the layout). */
export interface LayerRescale {
  readonly layer: number;
  readonly mean: number;
  readonly scale: number;
}

/**
 * The per-layer maps that bring `x`'s weight layers to the target variance of `inputs`, the same
 * rule as correctVariance but returned instead of applied, so that a CHOCO node can apply one map
 * to its model and to every public copy of it (the copies then stay as close to x as before).
 */
export function varianceRescales(
  x: Float32Array,
  inputs: readonly Float32Array[],
  layout: ParamLayout,
  target: VarianceTarget,
): LayerRescale[] {
  if (layout.totalSize !== x.length)
    throw new Error(`layout covers ${layout.totalSize} values, vector has ${x.length}`);
  const out: LayerRescale[] = [];
  if (!layout.entries.some(isCorrected)) return out;
  const layerTarget = layerTargets(x, inputs, target);
  layout.entries.forEach((entry, layer) => {
    if (!isCorrected(entry)) return;
    const { mean, current, wanted } = layerTarget(entry);
    if (!(current > 0) || !Number.isFinite(current) || !Number.isFinite(wanted) || wanted < 0) return;
    // Rounded to f32: the wire carries f32, and sender and receivers must apply the same map.
    out.push({ layer, mean: Math.fround(mean), scale: Math.fround(Math.sqrt(wanted / current)) });
  });
  return out;
}

/** Apply rescales in place (the receivers' copies must come out bit-identical to the sender's). */
export function applyRescales(v: Float32Array, layout: ParamLayout, rescales: readonly LayerRescale[]): void {
  for (const { layer, mean, scale } of rescales) {
    const entry = layout.entries[layer];
    if (!entry) throw new RangeError(`rescale names layer ${layer}; the layout has ${layout.entries.length}`);
    const end = entry.offset + entry.size;
    for (let i = entry.offset; i < end; i++) v[i] = mean + (v[i]! - mean) * scale;
  }
}
