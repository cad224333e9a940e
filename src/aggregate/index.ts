export type {
  AggregationContext,
  AggregationRule,
  AggregatorConfig,
  RuleName,
  RuleOptions,
  RuleParams,
  VarianceCorrection,
} from './types.ts';
export { varianceCorrections } from './types.ts';
export { aggregatorConfigSchema, parseAggregatorConfig, ruleNames } from './config.ts';
export { aggregate, getRule } from './registry.ts';
export { RULES } from './rules/index.ts';
export type { RuleDefinition, RuleParamName } from './rule-definition.ts';
export {
  correctVariance,
  layerMoments,
  layerMomentsOfAll,
  layerVariance,
  targetVariance,
} from './variance-correction.ts';
export type { VarianceTarget } from './variance-correction.ts';
export { metropolisWeights } from './rules/metropolis.ts';
export { krumScores } from './rules/krum.ts';
export { trimCount } from './rules/trimmed-mean.ts';
export { adaptiveClipRadius } from './clip.ts';
export { coordinateMedian, coordinateTrimmedMean } from './coordinatewise.ts';
export { weightedSum, squaredDistance } from './vector-ops.ts';
