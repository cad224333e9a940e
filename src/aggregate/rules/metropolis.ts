import type { AggregationRule, RuleOptions } from '../types.ts';
import { candidates, mixingWeights } from '../inputs.ts';
import { weightedSum } from '../vector-ops.ts';
import { defineRule, ruleParams } from '../rule-definition.ts';

function checkDegree(name: string, deg: number): void {
  if (!Number.isInteger(deg) || deg < 0) throw new Error(`${name} must be a non-negative integer, got ${deg}`);
}

/** Metropolis–Hastings weights w_ij = 1 / (1 + max(deg_i, deg_j)), one per neighbour. */
export function metropolisWeights(selfDegree: number, neighbourDegrees: readonly number[]): number[] {
  checkDegree('selfDegree', selfDegree);
  return neighbourDegrees.map((deg, k) => {
    checkDegree(`neighbourDegrees[${k}]`, deg);
    return 1 / (1 + Math.max(selfDegree, deg));
  });
}

/**
 * Gossip averaging with Metropolis–Hastings weights computed from opts.selfDegree (default:
 * the number of received vectors) and opts.neighbourDegrees; the self weight is 1 − Σ w_ij.
 * The `weights` argument and opts.selfWeight are ignored.
 */
function metropolisCoefficients(received: readonly Float32Array[], _weights: readonly number[], opts: RuleOptions) {
  const degrees = opts.neighbourDegrees;
  if (!degrees || degrees.length !== received.length) {
    throw new Error(`metropolis needs opts.neighbourDegrees with one degree per received vector (${received.length})`);
  }
  return mixingWeights(received, metropolisWeights(opts.selfDegree ?? received.length, degrees), {});
}

const metropolis: AggregationRule = (self, received, weights, opts) =>
  weightedSum(candidates(self, received), metropolisCoefficients(received, weights, opts));

export const metropolisRule = defineRule({
  name: 'metropolis',
  options: ruleParams.pick({}),
  aggregate: metropolis,
  coefficients: metropolisCoefficients,
});
