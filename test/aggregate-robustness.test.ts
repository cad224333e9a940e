import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getRule, ruleNames } from '../src/aggregate/index.ts';
import type { RuleName } from '../src/aggregate/index.ts';
import { Rng } from '../src/util/rng.ts';

const robustRules = ruleNames.filter((r) => r !== 'mean' && r !== 'metropolis');

function norm(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** 9 honest vectors (self first) around a common centre, plus f Byzantine ones. */
function scenario(seed: number, byzantine: (rng: Rng, d: number, k: number) => Float32Array) {
  const rng = new Rng(seed);
  const d = 64;
  const f = 2;
  const centre = Float32Array.from({ length: d }, () => rng.gaussian());
  const honest = Array.from({ length: 9 }, () => centre.map((c) => c + 0.1 * rng.gaussian()));
  const honestMean = new Float32Array(d);
  for (const h of honest) for (let i = 0; i < d; i++) honestMean[i] = honestMean[i]! + h[i]! / honest.length;
  const spread = Math.max(...honest.map((h) => norm(h, honestMean)));
  const received = [...honest.slice(1), ...Array.from({ length: f }, (_, k) => byzantine(rng, d, k))];
  rng.shuffle(received);
  const weights = received.map(() => 1 / (received.length + 1));
  return { self: honest[0]!, received, weights, f, honestMean, spread, degrees: received.map(() => 10) };
}

const outlierKinds = {
  'identical huge outliers': (_rng: Rng, d: number) => new Float32Array(d).fill(1e6),
  'huge outliers in random directions': (rng: Rng, d: number) =>
    Float32Array.from({ length: d }, () => 1e6 * rng.gaussian()),
  'NaN and infinite vectors': (_rng: Rng, d: number, k: number) => new Float32Array(d).fill(k === 0 ? NaN : -Infinity),
};

// Stated bound: every robust rule lands within the honest spread (the largest distance of
// an honest vector to the honest mean) of the honest mean, i.e. inside the honest ball.
const BOUND = 1;

describe('f huge outliers', () => {
  for (const [kind, make] of Object.entries(outlierKinds)) {
    const s = scenario(7, make);
    const run = (name: RuleName) =>
      getRule(name)(s.self, s.received, s.weights, { f: s.f, selfDegree: 10, neighbourDegrees: s.degrees });

    for (const name of robustRules) {
      it(`${name} stays within ${BOUND}× the honest spread of the honest mean (${kind})`, () => {
        const out = run(name);
        const err = norm(out, s.honestMean);
        assert.ok(err <= BOUND * s.spread, `error ${err} > ${BOUND} × spread ${s.spread}`);
      });
    }

    it(`mean and metropolis do not (${kind})`, () => {
      for (const name of ['mean', 'metropolis'] as const) {
        const err = norm(run(name), s.honestMean);
        assert.ok(!(err <= 1000 * s.spread), `${name}: error ${err} unexpectedly small`);
      }
    });
  }
});

describe('clipped-gossip', () => {
  it('with τ = ∞ equals gossip averaging', () => {
    const rng = new Rng(3);
    const d = 101;
    const rand = () => Float32Array.from({ length: d }, () => 5 * rng.gaussian());
    const self = rand();
    const received = Array.from({ length: 6 }, rand);
    const weights = received.map(() => 0.12 * rng.next());
    for (const selfWeight of [undefined, 0.3]) {
      const opts = { tau: Infinity, selfWeight };
      const clipped = getRule('clipped-gossip')(self, received, weights, opts);
      const mean = getRule('mean')(self, received, weights, opts);
      for (let i = 0; i < d; i++) assert.ok(Math.abs(clipped[i]! - mean[i]!) <= 1e-5, `coordinate ${i}`);
    }
  });
});
