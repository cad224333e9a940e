export type {
  AggregationContext,
  AggregationRule,
  AggregatorConfig,
  RuleName,
  RuleOptions,
  RuleParams,
  VarianceCorrection,
} from './types.ts';
export { ruleNames, varianceCorrections } from './types.ts';
export { aggregate, getRule, parseAggregatorConfig } from './registry.ts';
export { correctVariance, layerMoments, layerVariance, targetVariance } from './variance-correction.ts';
export type { VarianceTarget } from './variance-correction.ts';
export { metropolisWeights } from './rules/metropolis.ts';
export { krumScores } from './rules/krum.ts';
export { trimCount } from './rules/trimmed-mean.ts';
export { adaptiveClipRadius } from './clip.ts';
export { coordinateMedian, coordinateTrimmedMean } from './coordinatewise.ts';
export { weightedSum, squaredDistance } from './vector-ops.ts';
