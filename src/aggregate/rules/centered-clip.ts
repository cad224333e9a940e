/**
 * Centered clipping (Karimireddy, He & Jaggi 2021) over {self} ∪ received, started at the
 * node's own model: opts.iterations (default 3) steps of
 *   v ← v + Σ_k α_k · clip(x_k − v, τ)
 * with α the normalised mixing weights. τ = opts.tau, or the adaptive radius of clip.ts
 * recomputed around each v (the f farthest candidates are clipped).
 */
import type { AggregationRule } from '../types.ts';
import { byzantineCount, candidates, iterationCount, mixingWeights } from '../inputs.ts';
import { clippedStep } from '../clip.ts';
import { defineRule, ruleParams } from '../rule-definition.ts';

const DEFAULT_ITERATIONS = 3;

const centeredClip: AggregationRule = (self, received, weights, opts) => {
  const all = candidates(self, received);
  const alpha = mixingWeights(received, weights, opts);
  const f = byzantineCount(opts);
  const iterations = iterationCount(opts, DEFAULT_ITERATIONS);
  let v = self;
  for (let t = 0; t < iterations; t++) v = clippedStep(v, all, alpha, opts.tau, f);
  return v;
};

export const centeredClipRule = defineRule({
  name: 'centered-clip',
  options: ruleParams.pick({ selfWeight: true, f: true, iterations: true, tau: true }),
  aggregate: centeredClip,
});
