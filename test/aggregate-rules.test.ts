import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getRule, ruleNames } from '../src/aggregate/index.ts';
import type { RuleOptions } from '../src/aggregate/index.ts';
import { Rng } from '../src/util/rng.ts';

const v = (...xs: number[]): Float32Array => Float32Array.from(xs);

function assertClose(actual: Float32Array, expected: ArrayLike<number>, tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i]! - expected[i]!) <= tol * (1 + Math.abs(expected[i]!)),
      `coordinate ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

function run(
  name: string,
  self: Float32Array,
  received: Float32Array[],
  weights: number[],
  opts: RuleOptions = {},
): Float32Array {
  return getRule(name)(self, received, weights, opts);
}

describe('hand-checked results', () => {
  it('mean: self weight is 1 − Σ weights, or normalised with an explicit selfWeight', () => {
    assertClose(run('mean', v(0, 0), [v(2, 4), v(4, 8)], [0.25, 0.25]), [1.5, 3]);
    assertClose(run('mean', v(0, 0), [v(2, 4), v(4, 8)], [1, 1], { selfWeight: 1 }), [2, 4]);
    assert.throws(() => run('mean', v(0), [v(1), v(2)], [0.7, 0.7]), /self weight/);
  });

  it('metropolis: w_ij = 1/(1 + max(deg_i, deg_j))', () => {
    // w = 1/3 and 1/4, self weight 5/12: 12·5/12 + 0/3 + 24/4 = 11
    assertClose(run('metropolis', v(12), [v(0), v(24)], [], { selfDegree: 2, neighbourDegrees: [1, 3] }), [11]);
    assert.throws(() => run('metropolis', v(0), [v(1)], [1]), /neighbourDegrees/);
  });

  it('median over {self} ∪ received, odd and even counts', () => {
    assertClose(run('median', v(1, 10), [v(2, 20), v(3, 0), v(100, 30), v(-5, 7)], [0, 0, 0, 0]), [2, 10]);
    assertClose(run('median', v(1, 10, 5), [v(2, 20, -5), v(3, 0, 7), v(100, 30, 6)], [0, 0, 0]), [2.5, 15, 5.5]);
  });

  it('trimmed-mean trims f (or ⌊β·n⌋) from each side', () => {
    const received = [v(2), v(3), v(4), v(100)];
    assertClose(run('trimmed-mean', v(1), received, [0, 0, 0, 0], { f: 1 }), [3]);
    assertClose(run('trimmed-mean', v(1), received, [0, 0, 0, 0], { beta: 0.2 }), [3]);
    assertClose(run('trimmed-mean', v(1), received, [0, 0, 0, 0], { beta: 0.4 }), [3]);
    assertClose(run('trimmed-mean', v(1), received, [0, 0, 0, 0], { f: 0 }), [22]);
  });

  it('krum picks the candidate with the tightest n − f − 2 neighbours; multi-krum averages the m best', () => {
    // Scores with 2 nearest: 0→1+4, 1→1+1, 2→1+4, 10→1+64, 11→1+81.
    const received = [v(1), v(2), v(10), v(11)];
    assertClose(run('krum', v(0), received, [0, 0, 0, 0], { f: 1 }), [1]);
    assertClose(run('multi-krum', v(0), received, [0, 0, 0, 0], { f: 1, m: 3 }), [1]);
    assertClose(run('multi-krum', v(0), received, [0, 0, 0, 0], { f: 1 }), [13 / 4]);
  });

  it('geomed finds the Fermat point of a right triangle', () => {
    // Minimiser of √2·t + 2·√((1 − t)² + t²) on the diagonal: t = 1/2 − √3/6.
    const t = 0.5 - Math.sqrt(3) / 6;
    const out = run('geomed', v(0, 0), [v(1, 0), v(0, 1)], [1 / 3, 1 / 3], { iterations: 500, eps: 1e-9 });
    assertClose(out, [t, t], 1e-4);
  });

  it('centered-clip: one step from self with τ = 1', () => {
    // (1/3)·(clip((3,4), 1) + (0,1)) = (1/3)·((0.6, 0.8) + (0, 1))
    assertClose(
      run('centered-clip', v(0, 0), [v(3, 4), v(0, 1)], [1 / 3, 1 / 3], { tau: 1, iterations: 1 }),
      [0.2, 0.6],
    );
  });

  it('clipped-gossip: fixed τ, adaptive τ for f = 1, and f = 0 (no clipping)', () => {
    const received = [v(3, 4), v(0, 1)];
    assertClose(run('clipped-gossip', v(0, 0), received, [1 / 3, 1 / 3], { tau: 1 }), [0.2, 0.6]);
    // Distances 5 and 1: the (f+1)-th largest is 1.
    assertClose(run('clipped-gossip', v(0, 0), received, [1 / 3, 1 / 3], { f: 1 }), [0.2, 0.6]);
    assertClose(run('clipped-gossip', v(0, 0), received, [1 / 3, 1 / 3], { f: 0 }), [1, 5 / 3]);
  });

  it('nna averages self with the n − f closest received vectors', () => {
    assertClose(run('nna', v(0), [v(1), v(-2), v(10)], [0, 0, 0], { f: 1 }), [-1 / 3]);
    assertClose(run('nna', v(0), [v(1), v(-2), v(10)], [0, 0, 0], { f: 3 }), [0]);
  });
});

describe('every rule', () => {
  const rng = new Rng(11);
  const d = 37;
  const rand = (): Float32Array => Float32Array.from({ length: d }, () => rng.gaussian());
  const self = rand();
  const received = Array.from({ length: 7 }, rand);
  const weights = received.map(() => 0.05 + 0.1 * rng.next());
  const opts: RuleOptions = {
    f: 2,
    m: 4,
    tau: 1.5,
    iterations: 4,
    selfDegree: 7,
    neighbourDegrees: [3, 5, 7, 2, 9, 4, 6],
  };

  for (const name of ruleNames) {
    it(`${name} is invariant to the order of the received vectors`, () => {
      const base = run(name, self, received, weights, opts);
      const perm = rng.shuffle(Array.from(received, (_, i) => i)) as number[];
      const shuffled = run(
        name,
        self,
        perm.map((i) => received[i]!),
        perm.map((i) => weights[i]!),
        {
          ...opts,
          neighbourDegrees: perm.map((i) => opts.neighbourDegrees![i]!),
        },
      );
      assertClose(shuffled, base, 1e-5);
    });

    it(`${name} returns a new vector and leaves its inputs untouched`, () => {
      const before = [self, ...received].map((x) => Float32Array.from(x));
      const out = run(name, self, received, weights, opts);
      assert.equal(out.length, d);
      assert.ok(out !== self && received.every((x) => x !== out));
      [self, ...received].forEach((x, k) => assert.deepEqual(x, before[k]));
    });

    it(`${name} with no received vectors returns self`, () => {
      assertClose(run(name, self, [], [], { ...opts, neighbourDegrees: [] }), self);
    });
  }

  it('rejects vectors of the wrong length', () => {
    for (const name of ruleNames) {
      assert.throws(() => run(name, v(1, 2), [v(1)], [0.5], { neighbourDegrees: [1] }), /length/, name);
    }
  });
});
