/** Multi-Krum (Blanchard et al. 2017): the uniform average of the m best Krum-scored candidates. */
import type { AggregationRule } from '../types.ts';
import { byzantineCount, candidates } from '../inputs.ts';
import { average } from '../vector-ops.ts';
import { defineRule, ruleParams } from '../rule-definition.ts';
import { selectByScore } from './krum.ts';

/** Default m = n − f, for n = 1 + received candidates. */
const multiKrum: AggregationRule = (self, received, _weights, opts) => {
  const all = candidates(self, received);
  const f = byzantineCount(opts);
  const m = opts.m ?? all.length - f;
  if (!Number.isInteger(m) || m < 1) throw new Error(`m must be a positive integer, got ${m}`);
  return average(selectByScore(all, f, Math.min(m, all.length)).map((i) => all[i]!));
};

export const multiKrumRule = defineRule({
  name: 'multi-krum',
  options: ruleParams.pick({ f: true, m: true }),
  aggregate: multiKrum,
});
