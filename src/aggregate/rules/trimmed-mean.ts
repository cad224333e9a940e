import type { AggregationRule, RuleOptions } from '../types.ts';
import { byzantineCount, candidates } from '../inputs.ts';
import { coordinateTrimmedMean } from '../coordinatewise.ts';
import { defineRule, ruleParams } from '../rule-definition.ts';

/**
 * Values trimmed from each side for n candidates: ⌊β·n⌋ when opts.beta is given, else f;
 * reduced if needed so that at least one value per coordinate survives.
 */
export function trimCount(n: number, opts: RuleOptions): number {
  let b: number;
  if (opts.beta !== undefined) {
    if (!(opts.beta >= 0 && opts.beta < 0.5)) throw new Error(`beta must be in [0, 0.5), got ${opts.beta}`);
    b = Math.floor(opts.beta * n);
  } else {
    b = byzantineCount(opts);
  }
  return Math.min(b, Math.floor((n - 1) / 2));
}

/** Coordinate-wise trimmed mean over {self} ∪ received (uniform; weights are ignored). */
const trimmedMean: AggregationRule = (self, received, _weights, opts) => {
  const all = candidates(self, received);
  return coordinateTrimmedMean(all, trimCount(all.length, opts));
};

export const trimmedMeanRule = defineRule({
  name: 'trimmed-mean',
  options: ruleParams.pick({ f: true, beta: true }),
  aggregate: trimmedMean,
});
