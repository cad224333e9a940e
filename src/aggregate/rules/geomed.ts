/**
 * Geometric median of {self} ∪ received with the mixing weights as point weights, by the
 * smoothed Weiszfeld iteration of RFA (Pillutla, Kakade & Harchaoui 2022):
 *   β_k = α_k / max(ν, ||z − x_k||),   z ← Σ β_k x_k / Σ β_k,
 * starting from the weighted mean. ν = opts.eps (default 1e-6). Runs opts.iterations steps
 * (default 16) or stops earlier once a step moves z by less than 1e-6 of the mean distance.
 * Each step costs two passes over all inputs. Inputs containing NaN/±∞ get weight 0.
 */
import type { AggregationRule } from '../types.ts';
import { candidates, iterationCount, mixingWeights } from '../inputs.ts';
import { distancesFrom, squaredDistance, weightedSum } from '../vector-ops.ts';
import { defineRule, ruleParams } from '../rule-definition.ts';

const DEFAULT_ITERATIONS = 16;
const DEFAULT_SMOOTHING = 1e-6;
const RELATIVE_STOP = 1e-6;

const geomed: AggregationRule = (self, received, weights, opts) => {
  const all = candidates(self, received);
  const alpha = mixingWeights(received, weights, opts);
  const nu = opts.eps ?? DEFAULT_SMOOTHING;
  const iterations = iterationCount(opts, DEFAULT_ITERATIONS);
  if (!(nu > 0)) throw new Error(`eps must be > 0, got ${nu}`);

  // Self is finite for an honest node, so a non-finite distance flags a poisoned input.
  const fromSelf = distancesFrom(self, all);
  for (let k = 0; k < all.length; k++) if (!Number.isFinite(fromSelf[k]!)) alpha[k] = 0;
  if (sum(alpha) === 0) return Float32Array.from(self);
  let z = weightedSum(all, normalise(alpha));

  const beta = new Float64Array(all.length);
  for (let t = 0; t < iterations; t++) {
    const dist = distancesFrom(z, all);
    let meanDistance = 0;
    for (let k = 0; k < all.length; k++) {
      beta[k] = alpha[k] === 0 ? 0 : alpha[k]! / Math.max(nu, dist[k]!);
      if (alpha[k] !== 0) meanDistance += alpha[k]! * dist[k]!;
    }
    const next = weightedSum(all, normalise(beta));
    const moved = Math.sqrt(squaredDistance(z, next));
    z = next;
    if (moved <= RELATIVE_STOP * meanDistance) break;
  }
  return z;
};

export const geomedRule = defineRule({
  name: 'geomed',
  options: ruleParams.pick({ selfWeight: true, eps: true, iterations: true }),
  aggregate: geomed,
});

function sum(w: Float64Array): number {
  let s = 0;
  for (const x of w) s += x;
  return s;
}

function normalise(w: Float64Array): Float64Array {
  const s = sum(w);
  return w.map((x) => x / s);
}
