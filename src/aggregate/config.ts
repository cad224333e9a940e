/** Validation of an aggregator config read from a file or the command line. */
import { ruleNames, varianceCorrections } from './types.ts';
import type { AggregatorConfig, RuleName, VarianceCorrection } from './types.ts';

type NumericCheck = { test: (x: number) => boolean; expected: string };

const numericKeys = {
  f: { test: (x) => Number.isInteger(x) && x >= 0, expected: 'a non-negative integer' },
  beta: { test: (x) => x >= 0 && x < 0.5, expected: 'a number in [0, 0.5)' },
  m: { test: (x) => Number.isInteger(x) && x >= 1, expected: 'a positive integer' },
  tau: { test: (x) => x > 0, expected: 'a number > 0 (Infinity allowed; omit for the adaptive radius)' },
  iterations: { test: (x) => Number.isInteger(x) && x >= 1, expected: 'a positive integer' },
  selfWeight: { test: (x) => x >= 0 && x <= 1, expected: 'a number in [0, 1]' },
  eps: { test: (x) => x > 0 && Number.isFinite(x), expected: 'a finite number > 0' },
} as const satisfies Record<string, NumericCheck>;

type NumericKey = keyof typeof numericKeys;

const allowedKeys: readonly string[] = ['rule', 'varianceCorrection', ...Object.keys(numericKeys)];

function oneOf<T extends string>(key: string, value: unknown, options: readonly T[]): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    throw new Error(`aggregator config "${key}" must be one of ${options.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/**
 * Parses `{ rule, varianceCorrection?, f?, beta?, m?, tau?, iterations?, selfWeight?, eps? }`.
 * varianceCorrection defaults to 'none'. Throws an Error naming the offending key and what
 * it expects; unknown keys are rejected so typos do not pass silently.
 */
export function parseAggregatorConfig(obj: unknown): AggregatorConfig {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error(`aggregator config must be an object like {"rule": "median"}; got ${JSON.stringify(obj)}`);
  }
  const raw = obj as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!allowedKeys.includes(key)) throw new Error(`unknown aggregator config key "${key}"; expected one of ${allowedKeys.join(', ')}`);
  }
  const config: AggregatorConfig = {
    rule: oneOf<RuleName>('rule', raw.rule, ruleNames),
    varianceCorrection: oneOf<VarianceCorrection>('varianceCorrection', raw.varianceCorrection ?? 'none', varianceCorrections),
  };
  for (const key of Object.keys(numericKeys) as NumericKey[]) {
    const value = raw[key];
    if (value === undefined) continue;
    const check: NumericCheck = numericKeys[key];
    if (typeof value !== 'number' || Number.isNaN(value) || !check.test(value)) {
      throw new Error(`aggregator config "${key}" must be ${check.expected}; got ${JSON.stringify(value)}`);
    }
    config[key] = value;
  }
  return config;
}
