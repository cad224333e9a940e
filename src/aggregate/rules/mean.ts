import type { AggregationRule } from '../types.ts';
import { candidates, mixingWeights } from '../inputs.ts';
import { weightedSum } from '../vector-ops.ts';
import { defineRule, ruleParams } from '../rule-definition.ts';

/** Gossip averaging: selfWeight·self + Σ_j w_j·x_j, with the weights normalised to sum to 1. */
const mean: AggregationRule = (self, received, weights, opts) =>
  weightedSum(candidates(self, received), mixingWeights(received, weights, opts));

export const meanRule = defineRule({
  name: 'mean',
  options: ruleParams.pick({ selfWeight: true }),
  aggregate: mean,
  coefficients: mixingWeights,
});
