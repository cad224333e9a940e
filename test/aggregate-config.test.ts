import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RULES, aggregate, getRule, parseAggregatorConfig, ruleNames } from '../src/aggregate/index.ts';
import type { RuleOptions } from '../src/aggregate/index.ts';
import { Rng } from '../src/util/rng.ts';
import { buildLayout } from '../src/learn/layout.ts';

describe('parseAggregatorConfig', () => {
  it('accepts every rule and defaults varianceCorrection to none', () => {
    for (const rule of ruleNames)
      assert.deepEqual(parseAggregatorConfig({ rule }), { rule, varianceCorrection: 'none' });
    assert.deepEqual(parseAggregatorConfig({ rule: 'trimmed-mean', varianceCorrection: 'xavier', beta: 0.2, f: 1 }), {
      rule: 'trimmed-mean',
      varianceCorrection: 'xavier',
      beta: 0.2,
      f: 1,
    });
  });

  const bad: Array<[unknown, RegExp]> = [
    [null, /: aggregator: must be an object like \{"rule": "median"\}, got null$/],
    [[], /: aggregator: must be an object/],
    [{}, /: aggregator\.rule: must be one of mean, metropolis, .*, got nothing$/],
    [{ rule: 'avg' }, /: aggregator\.rule: must be one of .*got "avg"$/],
    [
      { rule: 'median', varianceCorrection: 'yes' },
      /: aggregator\.varianceCorrection: must be one of inputs, xavier, none/,
    ],
    [{ rule: 'median', f: -1 }, /: aggregator\.f: must be a non-negative integer, got -1$/],
    [{ rule: 'median', f: '2' }, /: aggregator\.f: must be a non-negative integer, got "2"$/],
    [{ rule: 'trimmed-mean', beta: 0.5 }, /: aggregator\.beta: must be a number in \[0, 0.5\)/],
    [{ rule: 'multi-krum', m: 0 }, /: aggregator\.m: must be a positive integer/],
    [{ rule: 'clipped-gossip', tau: 0 }, /: aggregator\.tau: must be a number > 0/],
    [{ rule: 'geomed', iterations: 1.5 }, /: aggregator\.iterations: must be a positive integer/],
    [{ rule: 'geomed', eps: NaN }, /: aggregator\.eps: must be a finite number > 0/],
    [{ rule: 'geomed', eps: Infinity }, /: aggregator\.eps: must be a finite number > 0/],
    [{ rule: 'mean', selfWeight: 2 }, /: aggregator\.selfWeight: must be a number in \[0, 1\]/],
    [
      { rule: 'median', fBound: 1 },
      new RegExp(
        ': aggregator: unknown key "fBound"; ' +
          'expected one of rule, varianceCorrection, f, beta, m, tau, iterations, selfWeight, eps$',
      ),
    ],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => assert.throws(() => parseAggregatorConfig(input), message));
  }

  it('accepts any rule parameter whatever the rule (one config sweeps all rules), in a fixed key order', () => {
    const c = parseAggregatorConfig({ eps: 0.5, tau: Infinity, f: 2, rule: 'mean' });
    assert.deepEqual(Object.keys(c), ['rule', 'varianceCorrection', 'f', 'tau', 'eps']);
    assert.equal(c.tau, Infinity);
  });
});

describe('rule definitions', () => {
  const rng = new Rng(3);
  const self = rng.gaussianVector(40);
  const received = Array.from({ length: 6 }, () => rng.gaussianVector(40));
  const weights = received.map(() => 0.1);
  const degrees = { selfDegree: 6, neighbourDegrees: [2, 3, 4, 5, 6, 7] };
  // Values that change the result of a rule that reads them.
  const probes: Required<Omit<RuleOptions, 'selfDegree' | 'neighbourDegrees'>> = {
    f: 2,
    beta: 0.3,
    m: 1,
    tau: 0.01,
    iterations: 1,
    selfWeight: 0.9,
    eps: 100,
  };
  for (const def of RULES) {
    it(`${def.name} reads no parameter it does not declare`, () => {
      const base = def.aggregate(self, received, weights, { ...degrees });
      for (const [key, value] of Object.entries(probes)) {
        if (key in def.options.shape) continue;
        assert.deepEqual(
          def.aggregate(self, received, weights, { ...degrees, [key]: value }),
          base,
          `${def.name}: ${key}`,
        );
      }
    });
  }
});

describe('registry', () => {
  it('getRule rejects unknown names, listing the known ones', () => {
    assert.throws(() => getRule('average'), /unknown aggregation rule "average"; expected one of mean/);
    assert.throws(() => getRule('toString'), /unknown aggregation rule/);
  });

  it('aggregate passes config options and degrees to the rule', () => {
    const layout = buildLayout([{ name: 'w', shape: [1], kind: 'weight', fanIn: 1, fanOut: 1 }]);
    const ctx = { selfDegree: 2, neighbourDegrees: [1, 3] };
    const out = aggregate(
      parseAggregatorConfig({ rule: 'metropolis' }),
      Float32Array.of(12),
      [Float32Array.of(0), Float32Array.of(24)],
      [],
      layout,
      ctx,
    );
    assert.deepEqual(Array.from(out), [11]);
    const trimmed = aggregate(
      parseAggregatorConfig({ rule: 'trimmed-mean', f: 1 }),
      Float32Array.of(1),
      [2, 3, 4, 100].map((x) => Float32Array.of(x)),
      [0, 0, 0, 0],
      layout,
      { selfDegree: 4, neighbourDegrees: [4, 4, 4, 4] },
    );
    assert.deepEqual(Array.from(trimmed), [3]);
  });

  it('aggregate rejects a layout that does not match the model', () => {
    const layout = buildLayout([{ name: 'w', shape: [2], kind: 'weight', fanIn: 1, fanOut: 2 }]);
    assert.throws(
      () =>
        aggregate({ rule: 'mean', varianceCorrection: 'none' }, Float32Array.of(1), [], [], layout, {
          selfDegree: 0,
          neighbourDegrees: [],
        }),
      /layout/,
    );
  });
});
