/**
 * ClippedGossip / self-centred clipping (He, Karimireddy & Jaggi 2022):
 *   x_i + Σ_j w_ij · clip(x_j − x_i, τ)
 * with w_ij the normalised mixing weights of the received vectors (the self weight is the
 * remainder). τ = opts.tau, or the adaptive radius of clip.ts: the (f+1)-th largest
 * neighbour distance, so only the f farthest neighbours are clipped. τ = ∞ is plain gossip
 * averaging.
 */
import type { AggregationRule } from '../types.ts';
import { assertSameLength, byzantineCount, mixingWeights } from '../inputs.ts';
import { clippedStep } from '../clip.ts';
import { defineRule, ruleParams } from '../rule-definition.ts';

const clippedGossip: AggregationRule = (self, received, weights, opts) => {
  assertSameLength(self, received);
  const w = mixingWeights(received, weights, opts).subarray(1);
  return clippedStep(self, received, w, opts.tau, byzantineCount(opts));
};

export const clippedGossipRule = defineRule({
  name: 'clipped-gossip',
  options: ruleParams.pick({ selfWeight: true, f: true, tau: true }),
  aggregate: clippedGossip,
});
