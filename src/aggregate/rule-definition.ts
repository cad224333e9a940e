/**
 * What a rule file exports: one definition (name, the parameters it reads, the rule). The registry
 * (rules/index.ts) lists them; rule names, the accepted config keys and validation derive from it.
 */
import { z } from 'zod';
import type { AggregationRule, RuleOptions } from './types.ts';

function num(message: string) {
  return z.number({ message });
}

/** Every tunable rule parameter a config may set, and what it must be (degrees come from the topology). */
export const ruleParams = z.object({
  f: num('must be a non-negative integer')
    .int('must be a non-negative integer')
    .min(0, 'must be a non-negative integer'),
  beta: num('must be a number in [0, 0.5)')
    .min(0, 'must be a number in [0, 0.5)')
    .lt(0.5, 'must be a number in [0, 0.5)'),
  m: num('must be a positive integer').int('must be a positive integer').min(1, 'must be a positive integer'),
  tau: num('must be a number > 0 (Infinity allowed; omit for the adaptive radius)').gt(
    0,
    'must be a number > 0 (Infinity allowed; omit for the adaptive radius)',
  ),
  iterations: num('must be a positive integer').int('must be a positive integer').min(1, 'must be a positive integer'),
  selfWeight: num('must be a number in [0, 1]')
    .min(0, 'must be a number in [0, 1]')
    .max(1, 'must be a number in [0, 1]'),
  eps: num('must be a finite number > 0').finite('must be a finite number > 0').gt(0, 'must be a finite number > 0'),
});

export type RuleParamName = keyof typeof ruleParams.shape;

export interface RuleDefinition<N extends string = string> {
  readonly name: N;
  /** The parameters this rule reads, e.g. ruleParams.pick({ f: true }); the node passes it the others too. */
  readonly options: z.AnyZodObject;
  /** The rule itself: pure, so one function serves every node. */
  readonly aggregate: AggregationRule;
  /**
   * Only for rules that are a weighted sum: its coefficients for [self, ...received] (aggregate must
   * equal weightedSum with them), so the registry can fuse the sum with the variance correction.
   */
  readonly coefficients?: (
    received: readonly Float32Array[],
    weights: readonly number[],
    opts: RuleOptions,
  ) => ArrayLike<number>;
}

/** Identity with inference, so that the registry keeps each rule's name as a literal type. */
export function defineRule<const N extends string>(def: RuleDefinition<N>): RuleDefinition<N> {
  return def;
}
