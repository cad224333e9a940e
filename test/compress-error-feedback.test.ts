import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorFeedback, getCodec } from '../src/compress/index.ts';
import type { Codec } from '../src/compress/index.ts';
import { Rng, deriveSeed } from '../src/util/rng.ts';

const gaussian = (d: number, seed: number): Float32Array => new Rng(seed).gaussianVector(d);

test('classic EF (eta = 1): residual is exactly target minus what was sent; nothing is lost', () => {
  const d = 1000;
  const codec = getCodec({ name: 'topk', fraction: 0.01 });
  const ef = new ErrorFeedback(d);
  const totalIn = new Float64Array(d);
  const totalSent = new Float64Array(d);
  for (let t = 0; t < 50; t++) {
    const x = gaussian(d, t);
    const before = ef.residual.slice();
    const { payload, sent } = ef.compress(x, codec, t);
    assert.deepEqual(sent, codec.decode(payload, d));
    for (let i = 0; i < d; i++) {
      assert.equal(ef.residual[i], Math.fround(Math.fround(before[i]! + x[i]!) - sent[i]!));
      totalIn[i]! += x[i]!;
      totalSent[i]! += sent[i]!;
    }
  }
  // Everything fed in is either sent or still in the residual.
  for (let i = 0; i < d; i++) assert.ok(Math.abs(totalIn[i]! - totalSent[i]! - ef.residual[i]!) < 1e-3);
});

test('eta scales the feedback: eta = 0 is plain compression, 0 < eta < 1 follows e += x - C(eta e + x)', () => {
  const d = 200;
  const codec = getCodec({ name: 'topk', k: 5 });
  const plain = new ErrorFeedback(d, { eta: 0 });
  const half = new ErrorFeedback(d, { eta: 0.5 });
  for (let t = 0; t < 10; t++) {
    const x = gaussian(d, 100 + t);
    assert.deepEqual(plain.compress(x, codec, t).sent, codec.decode(codec.encode(x, t), d));
    const e = half.residual.slice();
    const target = new Float32Array(d);
    for (let i = 0; i < d; i++) target[i] = 0.5 * e[i]! + x[i]!;
    const { sent } = half.compress(x, codec, t);
    assert.deepEqual(sent, codec.decode(codec.encode(target, t), d));
    for (let i = 0; i < d; i++) assert.ok(Math.abs(half.residual[i]! - (e[i]! + x[i]! - sent[i]!)) < 1e-5);
  }
  assert.throws(() => new ErrorFeedback(d, { eta: 1.5 }), /eta/);
  assert.throws(() => new ErrorFeedback(d, { momentum: 1 }), /momentum/);
});

test('momentum correction (DGC): sends accumulated momentum, masks it where sent, sparse codecs only', () => {
  const d = 100;
  const codec = getCodec({ name: 'topk', k: 10 });
  const ef = new ErrorFeedback(d, { momentum: 0.9 });
  let u = new Float32Array(d);
  let v = new Float32Array(d);
  for (let t = 0; t < 20; t++) {
    const g = gaussian(d, 200 + t);
    // Reference DGC: u = m·u + g; v = v + u; send topk(v); clear u and v where sent.
    for (let i = 0; i < d; i++) {
      u[i] = 0.9 * u[i]! + g[i]!;
      v[i] = v[i]! + u[i]!;
    }
    const expected = codec.decode(codec.encode(v, t), d);
    const { sent } = ef.compress(g, codec, t);
    assert.deepEqual(sent, expected);
    u = u.map((x, i) => (expected[i] !== 0 ? 0 : x));
    v = v.map((x, i) => (expected[i] !== 0 ? 0 : x));
    for (let i = 0; i < d; i++) assert.ok(Math.abs(ef.residual[i]! - v[i]!) < 1e-4, `t=${t} i=${i}`);
  }
  assert.throws(() => ef.compress(gaussian(d, 1), getCodec('int8'), 0), /momentum correction/);
});

test('getState / setState round-trip the residual (and velocity) for checkpoints', () => {
  const d = 300;
  const codec = getCodec({ name: 'topk', k: 7 });
  const a = new ErrorFeedback(d, { momentum: 0.5 });
  for (let t = 0; t < 5; t++) a.compress(gaussian(d, t), codec, t);
  const state = a.getState();
  const r0 = a.residual[0]!;
  state.residual[0] = r0 + 1; // a copy: mutating it must not touch a
  assert.equal(a.residual[0], r0);
  state.residual[0] = r0;
  const b = new ErrorFeedback(d, { momentum: 0.5 });
  b.setState(state);
  const x = gaussian(d, 99);
  assert.deepEqual(a.compress(x, codec, 9).sent, b.compress(x, codec, 9).sent);
  assert.deepEqual(a.residual, b.residual);
  assert.throws(() => b.setState({ residual: new Float32Array(3) }), /length/);
});

/**
 * Distributed gradient descent on a heterogeneous quadratic: worker i holds
 * f_i(w) = ½‖w − b_i‖², the optimum of the average is w* = mean(b_i). Each worker sends
 * top-k(1%) of its gradient; the server averages what it receives. Without error feedback the
 * sparse updates of different workers cancel and the iterate freezes at a wrong point
 * (the well-known failure of biased compression); with it, the residuals eventually deliver
 * every coordinate and w goes to w* (O(1/t) with the decaying step that EF needs here).
 */
function runQuadratic(codec: Codec, withEf: boolean, steps: number): number[] {
  const d = 1000;
  const n = 4;
  const rng = new Rng(7);
  const b = Array.from({ length: n }, () => {
    const v = new Float32Array(d);
    for (let j = 0; j < d; j++) v[j] = rng.gaussian();
    return v;
  });
  const wStar = new Float32Array(d);
  for (const bi of b) for (let j = 0; j < d; j++) wStar[j] = wStar[j]! + bi[j]! / n;
  let norm0 = 0;
  for (let j = 0; j < d; j++) norm0 += wStar[j]! ** 2;
  const w = new Float32Array(d);
  const efs = b.map(() => new ErrorFeedback(d));
  const g = new Float32Array(d);
  const sent = new Float32Array(d);
  const avg = new Float32Array(d);
  const errors: number[] = [];
  for (let t = 0; t < steps; t++) {
    avg.fill(0);
    for (let i = 0; i < n; i++) {
      const bi = b[i]!;
      for (let j = 0; j < d; j++) g[j] = w[j]! - bi[j]!;
      const seed = deriveSeed(3, i, t);
      if (withEf) efs[i]!.compress(g, codec, seed, sent);
      else codec.decodeInto(codec.encode(g, seed), sent);
      for (let j = 0; j < d; j++) avg[j] = avg[j]! + sent[j]! / n;
    }
    const lr = 0.02 / (1 + t / 200);
    for (let j = 0; j < d; j++) w[j] = w[j]! - lr * avg[j]!;
    if ((t + 1) % (steps / 4) === 0) {
      let e = 0;
      for (let j = 0; j < d; j++) e += (w[j]! - wStar[j]!) ** 2;
      errors.push(Math.sqrt(e / norm0));
    }
  }
  return errors;
}

test('quadratic: top-k 1% with error feedback reaches the optimum, without it stalls', () => {
  const codec = getCodec({ name: 'topk', fraction: 0.01 });
  const steps = 20_000;
  const withEf = runQuadratic(codec, true, steps);
  const without = runQuadratic(codec, false, steps);
  // Relative distance ‖w − w*‖ / ‖w*‖ at 25/50/75/100% of the run.
  assert.ok(withEf.at(-1)! < 0.01, `with EF: ${withEf}`);
  for (let q = 1; q < 4; q++) assert.ok(withEf[q]! < withEf[q - 1]!, `with EF keeps improving: ${withEf}`);
  assert.ok(without.at(-1)! > 0.5, `without EF: ${without}`);
  assert.ok(without.at(-1)! > 0.99 * without[1]!, `without EF is stuck: ${without}`);
  assert.ok(without.at(-1)! > 50 * withEf.at(-1)!);
});
