import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ATTACKS,
  alieZ,
  attackLabelTransform,
  attackNames,
  coordinateMeanStd,
  getAttack,
  isDataAttack,
  normalQuantile,
  parseAttackParams,
} from '../src/aggregate/attacks/index.ts';
import type { AttackContext } from '../src/aggregate/attacks/index.ts';
import { Rng } from '../src/util/rng.ts';

const d = 5000;

function context(seed: number, overrides: Partial<AttackContext> = {}): AttackContext {
  const rng = new Rng(seed);
  const centre = Float32Array.from({ length: d }, () => rng.gaussian());
  const honest = Array.from({ length: 6 }, () => centre.map((c) => c + 0.2 * rng.gaussian()));
  return {
    self: centre.map((c) => c + 0.2 * rng.gaussian()),
    honest,
    round: 3,
    rng: rng.fork(1),
    f: 2,
    n: 10,
    ...overrides,
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe('every attack', () => {
  for (const name of attackNames) {
    it(`${name} returns a new vector of the model's length and leaves its inputs untouched`, () => {
      const ctx = context(1, { target: context(2).self });
      const snapshot = [ctx.self, ctx.target!, ...ctx.honest].map((x) => Float32Array.from(x));
      const out = getAttack(name).craft(ctx);
      assert.ok(out instanceof Float32Array);
      assert.equal(out.length, d);
      [ctx.self, ctx.target!, ...ctx.honest].forEach((x, k) => {
        assert.notEqual(out, x);
        assert.deepEqual(x, snapshot[k]);
      });
    });
  }

  it('the registry rejects unknown names and marks label-flip as the only data attack', () => {
    assert.throws(() => getAttack('bit-flip'), /unknown attack "bit-flip"; expected one of sign-flip/);
    assert.deepEqual(attackNames.filter(isDataAttack), ['label-flip']);
    assert.deepEqual(
      attackNames,
      ATTACKS.map((a) => a.name),
    );
    // Exactly the data attacks say how they change the labels.
    for (const a of ATTACKS) assert.equal(a.transformLabels !== undefined, a.kind === 'data', a.name);
  });

  it('params are validated per attack, naming the key', () => {
    assert.deepEqual(parseAttackParams('gaussian', { sigma: 2, center: 'self' }), { sigma: 2, center: 'self' });
    assert.deepEqual(parseAttackParams('label-flip', {}), {});
    assert.throws(() => parseAttackParams('replay', { delay: -1 }), /: byzantine\.params\.delay: .*got -1$/);
    assert.throws(
      () => parseAttackParams('sign-flip', { sigma: 1 }),
      /: byzantine\.params: Unrecognized key\(s\) in object: 'sigma'$/,
    );
  });
});

describe('attack properties', () => {
  it('sign-flip sends −scale · self', () => {
    const ctx = context(3);
    assert.deepEqual(
      getAttack('sign-flip').craft(ctx),
      ctx.self.map((x) => -x),
    );
    assert.deepEqual(
      getAttack('sign-flip').craft(ctx, { scale: 3 }),
      ctx.self.map((x) => -3 * x),
    );
  });

  it('gaussian has the requested centre and standard deviation, reproducibly per seed', () => {
    const ctx = context(4);
    const out = getAttack('gaussian').craft(ctx, { sigma: 2, center: 'self' });
    const diff = out.map((x, i) => x - ctx.self[i]!);
    const m = diff.reduce((a, b) => a + b, 0) / d;
    const sd = Math.sqrt(diff.reduce((a, b) => a + (b - m) ** 2, 0) / (d - 1));
    assert.ok(Math.abs(m) < 0.1 && Math.abs(sd - 2) < 0.1, `mean ${m}, sd ${sd}`);
    assert.deepEqual(getAttack('gaussian').craft(context(4), { sigma: 2, center: 'self' }), out);
  });

  it('alie sends μ − z·σ, so it stays within z·σ of the honest mean per coordinate', () => {
    const ctx = context(5);
    const { mean, std } = coordinateMeanStd(ctx.honest);
    const z = alieZ(ctx.n, ctx.f);
    const out = getAttack('alie').craft(ctx);
    for (let i = 0; i < d; i++) {
      assert.ok(Math.abs(out[i]! - mean[i]!) <= z * std[i]! * (1 + 1e-6) + 1e-7, `coordinate ${i}`);
      assert.ok(Math.abs(out[i]! - (mean[i]! - z * std[i]!)) <= 1e-6);
    }
    const fixed = getAttack('alie').craft(ctx, { z: 1.5 });
    assert.ok(Math.abs(fixed[0]! - (mean[0]! - 1.5 * std[0]!)) <= 1e-6);
  });

  it("alie's default z follows Baruch et al.: Φ⁻¹((n − s)/n), s = ⌊n/2 + 1⌋ − f", () => {
    assert.ok(Math.abs(alieZ(10, 2) - 0.2533471031) < 1e-8); // s = 4, Φ⁻¹(0.6)
    assert.ok(Math.abs(normalQuantile(0.975) - 1.959963985) < 1e-8);
    assert.ok(Math.abs(normalQuantile(0.001) + 3.090232306) < 1e-8);
    assert.equal(normalQuantile(0.5), 0);
  });

  it('ipm sends −ε · honest mean, which has a negative inner product with it', () => {
    const ctx = context(6);
    const { mean } = coordinateMeanStd(ctx.honest);
    const out = getAttack('ipm').craft(ctx, { eps: 0.5 });
    for (let i = 0; i < d; i++) assert.ok(Math.abs(out[i]! + 0.5 * mean[i]!) <= 1e-6);
    assert.ok(dot(out, mean) < 0);
  });

  it("dissensus with ε = 1 cancels the honest pull in the target's gossip average; ε > 1 pushes it away", () => {
    const target = context(8).self;
    const ctx = context(7, { target });
    const average = (byz: Float32Array) => {
      const all = [target, ...ctx.honest, ...Array.from({ length: ctx.f }, () => byz)];
      return target.map((_, i) => all.reduce((s, x) => s + x[i]!, 0) / all.length);
    };
    const stalled = average(getAttack('dissensus').craft(ctx));
    for (let i = 0; i < d; i++) assert.ok(Math.abs(stalled[i]! - target[i]!) <= 1e-5, `coordinate ${i}`);
    const { mean } = coordinateMeanStd(ctx.honest);
    const dist = (a: Float32Array) => Math.sqrt(a.reduce((s, x, i) => s + (x - mean[i]!) ** 2, 0));
    assert.ok(dist(average(getAttack('dissensus').craft(ctx, { eps: 3 }))) > dist(target));
  });

  it('replay sends its own model from `delay` rounds ago (the oldest kept before that)', () => {
    const attack = getAttack('replay');
    const modelAt = (r: number) => new Float32Array(d).fill(r);
    for (let round = 0; round < 20; round++) {
      const out = attack.craft(context(9, { round, self: modelAt(round) }), { delay: 5 });
      assert.equal(out[0], Math.max(0, round - 5));
    }
  });

  it('free-rider sends a copy of one of the observed honest vectors', () => {
    const ctx = context(10);
    const out = getAttack('free-rider').craft(ctx);
    assert.ok(ctx.honest.some((h) => h !== out && h.every((x, i) => x === out[i])));
  });

  it('label-flip is a data attack: it trains on y ↦ numClasses − 1 − y and sends its model as is', () => {
    const flip = attackLabelTransform('label-flip', 10)!;
    assert.deepEqual([0, 1, 9, 4].map(flip), [9, 8, 0, 5]);
    assert.deepEqual([0, 2].map(attackLabelTransform('label-flip', 3)!), [2, 0]);
    assert.throws(() => attackLabelTransform('label-flip', 0), /numClasses must be a positive integer/);
    assert.equal(attackLabelTransform('sign-flip', 10), undefined);
    const ctx = context(11);
    assert.deepEqual(getAttack('label-flip').craft(ctx), ctx.self);
  });
});
