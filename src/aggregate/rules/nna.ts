/**
 * Nearest-neighbour averaging, the aggregation of MoNNA (Farhadkhani et al. 2023, "Robust
 * Collaborative Learning with Linear Gradient Overhead"): the uniform average of self and
 * the n − f received vectors closest to self (n = number received). Weights are ignored.
 * Received vectors containing NaN/±∞ are never kept.
 */
import type { AggregationRule } from '../types.ts';
import { assertSameLength, byzantineCount } from '../inputs.ts';
import { argsortAscending, average, distancesFrom } from '../vector-ops.ts';
import { defineRule, ruleParams } from '../rule-definition.ts';

const nna: AggregationRule = (self, received, _weights, opts) => {
  assertSameLength(self, received);
  const keep = Math.max(0, received.length - byzantineCount(opts));
  const dist = distancesFrom(self, received);
  const nearest = argsortAscending(dist)
    .slice(0, keep)
    .filter((k) => Number.isFinite(dist[k]!));
  return average([self, ...nearest.map((k) => received[k]!)]);
};

export const nnaRule = defineRule({ name: 'nna', options: ruleParams.pick({ f: true }), aggregate: nna });
