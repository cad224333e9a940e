import type { AggregationRule } from '../types.ts';
import { candidates } from '../inputs.ts';
import { coordinateMedian } from '../coordinatewise.ts';
import { defineRule, ruleParams } from '../rule-definition.ts';

/**
 * Decentralised coordinate-wise median over {self} ∪ received (the node's own model is one
 * of the candidates, as in the decentralised CM of He et al. 2022). Weights are ignored.
 * With an even number of candidates each coordinate is the mean of the two middle values.
 */
const median: AggregationRule = (self, received) => coordinateMedian(candidates(self, received));

export const medianRule = defineRule({ name: 'median', options: ruleParams.pick({}), aggregate: median });
