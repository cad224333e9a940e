import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, getRule, parseAggregatorConfig, ruleNames } from '../src/aggregate/index.ts';
import { buildLayout } from '../src/learn/layout.ts';

describe('parseAggregatorConfig', () => {
  it('accepts every rule and defaults varianceCorrection to none', () => {
    for (const rule of ruleNames) assert.deepEqual(parseAggregatorConfig({ rule }), { rule, varianceCorrection: 'none' });
    assert.deepEqual(parseAggregatorConfig({ rule: 'trimmed-mean', varianceCorrection: 'xavier', beta: 0.2, f: 1 }), {
      rule: 'trimmed-mean',
      varianceCorrection: 'xavier',
      beta: 0.2,
      f: 1,
    });
  });

  const bad: Array<[unknown, RegExp]> = [
    [null, /must be an object/],
    [[], /must be an object/],
    [{}, /"rule" must be one of mean, metropolis/],
    [{ rule: 'avg' }, /"rule" must be one of .*got "avg"/],
    [{ rule: 'median', varianceCorrection: 'yes' }, /"varianceCorrection" must be one of inputs, xavier, none/],
    [{ rule: 'median', f: -1 }, /"f" must be a non-negative integer; got -1/],
    [{ rule: 'median', f: '2' }, /"f" must be a non-negative integer; got "2"/],
    [{ rule: 'trimmed-mean', beta: 0.5 }, /"beta" must be a number in \[0, 0.5\)/],
    [{ rule: 'multi-krum', m: 0 }, /"m" must be a positive integer/],
    [{ rule: 'clipped-gossip', tau: 0 }, /"tau" must be a number > 0/],
    [{ rule: 'geomed', iterations: 1.5 }, /"iterations" must be a positive integer/],
    [{ rule: 'geomed', eps: NaN }, /"eps" must be a finite number > 0/],
    [{ rule: 'mean', selfWeight: 2 }, /"selfWeight" must be a number in \[0, 1\]/],
    [{ rule: 'median', fBound: 1 }, /unknown aggregator config key "fBound"/],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => assert.throws(() => parseAggregatorConfig(input), message));
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
    const out = aggregate(parseAggregatorConfig({ rule: 'metropolis' }), Float32Array.of(12), [Float32Array.of(0), Float32Array.of(24)], [], layout, ctx);
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
    assert.throws(() => aggregate({ rule: 'mean', varianceCorrection: 'none' }, Float32Array.of(1), [], [], layout, { selfDegree: 0, neighbourDegrees: [] }), /layout/);
  });
});
