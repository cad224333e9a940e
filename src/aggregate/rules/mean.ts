import type { AggregationRule } from '../types.ts';
import { candidates, mixingWeights } from '../inputs.ts';
import { weightedSum } from '../vector-ops.ts';

/** Gossip averaging: selfWeight·self + Σ_j w_j·x_j, with the weights normalised to sum to 1. */
export const meanRule: AggregationRule = (self, received, weights, opts) =>
  weightedSum(candidates(self, received), mixingWeights(received, weights, opts));
