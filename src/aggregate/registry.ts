/** Rules by name, and the entry point the node uses: rule first, then variance correction. */
import type { ParamLayout } from '../learn/layout.ts';
import type { AggregationContext, AggregationRule, AggregatorConfig, RuleName } from './types.ts';
import { ruleNames } from './types.ts';
import { correctVariance } from './variance-correction.ts';
import { meanRule } from './rules/mean.ts';
import { metropolisRule } from './rules/metropolis.ts';
import { medianRule } from './rules/median.ts';
import { trimmedMeanRule } from './rules/trimmed-mean.ts';
import { krumRule, multiKrumRule } from './rules/krum.ts';
import { geomedRule } from './rules/geomed.ts';
import { centeredClipRule } from './rules/centered-clip.ts';
import { clippedGossipRule } from './rules/clipped-gossip.ts';
import { nnaRule } from './rules/nna.ts';

export { ruleNames };
export { parseAggregatorConfig } from './config.ts';

const rules: Record<RuleName, AggregationRule> = {
  mean: meanRule,
  metropolis: metropolisRule,
  median: medianRule,
  'trimmed-mean': trimmedMeanRule,
  krum: krumRule,
  'multi-krum': multiKrumRule,
  geomed: geomedRule,
  'centered-clip': centeredClipRule,
  'clipped-gossip': clippedGossipRule,
  nna: nnaRule,
};

export function getRule(name: string): AggregationRule {
  if (!Object.hasOwn(rules, name)) throw new Error(`unknown aggregation rule "${name}"; expected one of ${ruleNames.join(', ')}`);
  return rules[name as RuleName];
}

/**
 * Applies config.rule to {self} ∪ received, then the configured variance correction with
 * {self} ∪ received as the reference inputs. Returns a new vector.
 */
export function aggregate(
  config: AggregatorConfig,
  self: Float32Array,
  received: readonly Float32Array[],
  weights: readonly number[],
  layout: ParamLayout,
  ctx: AggregationContext,
): Float32Array {
  if (layout.totalSize !== self.length) throw new Error(`layout covers ${layout.totalSize} parameters, model has ${self.length}`);
  const out = getRule(config.rule)(self, received, weights, {
    f: config.f,
    beta: config.beta,
    m: config.m,
    tau: config.tau,
    iterations: config.iterations,
    selfWeight: config.selfWeight,
    eps: config.eps,
    selfDegree: ctx.selfDegree,
    neighbourDegrees: ctx.neighbourDegrees,
  });
  if (config.varianceCorrection !== 'none') correctVariance(out, [self, ...received], layout, config.varianceCorrection);
  return out;
}
