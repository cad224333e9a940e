/** Rule names and the aggregator config's validation, derived from the rule registry (rules/index.ts). */
import { z } from 'zod';
import { parseValue } from '../util/validate.ts';
import { ruleParams, type RuleParamName } from './rule-definition.ts';
import { RULES } from './rules/index.ts';
import { varianceCorrections } from './types.ts';

export type RuleName = (typeof RULES)[number]['name'];
export const ruleNames: readonly RuleName[] = RULES.map((r) => r.name);

RULES.forEach((r, i) => {
  if (RULES.findIndex((o) => o.name === r.name) !== i) throw new Error(`aggregation rule ${r.name} is listed twice`);
});

/** The parameters some rule reads; a config may set any of them whatever its rule (sweeps set f for all). */
const declared = new Set(RULES.flatMap((r) => Object.keys(r.options.shape)));
const paramNames = (Object.keys(ruleParams.shape) as RuleParamName[]).filter((k) => declared.has(k));
const mask = Object.fromEntries(paramNames.map((k) => [k, true])) as Record<RuleParamName, true>;
const paramShape = ruleParams.pick(mask).partial().shape;
const keys = ['rule', 'varianceCorrection', ...paramNames];

/** `{ rule, varianceCorrection?, ...parameters }`; varianceCorrection defaults to 'none', unknown keys are refused. */
export const aggregatorConfigSchema = z
  .object(
    {
      rule: z.enum(ruleNames as [RuleName, ...RuleName[]], { message: `must be one of ${ruleNames.join(', ')}` }),
      varianceCorrection: z
        .enum(varianceCorrections, { message: `must be one of ${varianceCorrections.join(', ')}` })
        .default('none'),
      ...paramShape,
    },
    {
      errorMap: (issue, ctx) => {
        if (issue.code === 'unrecognized_keys')
          return { message: `unknown key "${issue.keys.join('", "')}"; expected one of ${keys.join(', ')}` };
        if (issue.code === 'invalid_type') return { message: 'must be an object like {"rule": "median"}' };
        return { message: ctx.defaultError };
      },
    },
  )
  .strict();

export type AggregatorConfig = z.output<typeof aggregatorConfigSchema>;

/** The tunable rule parameters a config file may set. */
export type RuleParams = Omit<AggregatorConfig, 'rule' | 'varianceCorrection'>;

/** Validate an untrusted aggregator config; a ConfigError names the key ("aggregator.f: ..."). */
export function parseAggregatorConfig(input: unknown): AggregatorConfig {
  return parseValue(aggregatorConfigSchema, input, 'aggregator');
}
