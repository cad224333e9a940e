/** Rules by name, and the entry point the node uses: rule first, then variance correction. */
import type { ParamLayout } from '../learn/layout.ts';
import { ruleNames } from './config.ts';
import type { RuleDefinition } from './rule-definition.ts';
import { RULES } from './rules/index.ts';
import type { AggregationContext, AggregationRule, AggregatorConfig } from './types.ts';
import { correctedWeightedSum } from './corrected-mean.ts';
import { candidates } from './inputs.ts';
import { correctVariance } from './variance-correction.ts';

export { parseAggregatorConfig, ruleNames } from './config.ts';

const byName = new Map<string, RuleDefinition>(RULES.map((r) => [r.name, r]));

function definitionOf(name: string): RuleDefinition {
  const def = byName.get(name);
  if (!def) throw new Error(`unknown aggregation rule "${name}"; expected one of ${ruleNames.join(', ')}`);
  return def;
}

export function getRule(name: string): AggregationRule {
  return definitionOf(name).aggregate;
}

/**
 * Applies config.rule to {self} ∪ received, then the configured variance correction with
 * {self} ∪ received as the reference inputs (fused into one kernel for the weighted-sum rules).
 * Returns a new vector, or `scratch` (its length must be the model's) when the fused kernel ran:
 * a caller that consumes the result at once can reuse one buffer instead of a vector per call.
 */
export function aggregate(
  config: AggregatorConfig,
  self: Float32Array,
  received: readonly Float32Array[],
  weights: readonly number[],
  layout: ParamLayout,
  ctx: AggregationContext,
  scratch?: Float32Array,
): Float32Array {
  if (layout.totalSize !== self.length)
    throw new Error(`layout covers ${layout.totalSize} parameters, model has ${self.length}`);
  const { rule, varianceCorrection, ...params } = config;
  const def = definitionOf(rule);
  const opts = { ...params, selfDegree: ctx.selfDegree, neighbourDegrees: ctx.neighbourDegrees };
  if (def.coefficients && varianceCorrection === 'inputs') {
    const inputs = candidates(self, received);
    return correctedWeightedSum(inputs, def.coefficients(received, weights, opts), layout, scratch);
  }
  const out = def.aggregate(self, received, weights, opts);
  if (varianceCorrection !== 'none') correctVariance(out, [self, ...received], layout, varianceCorrection);
  return out;
}
