import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlatOptimizer, parseOptimizerSpec } from '../src/learn/optimizer.ts';

test('cosine: lr at start, lr·(floor + (1 − floor)/2) half way, lr·floor at end; constant without a total', () => {
  const spec = parseOptimizerSpec({ type: 'sgd', lr: 0.4, schedule: { type: 'cosine', floor: 0.25 } });
  const opt = new FlatOptimizer(spec, 1, 10);
  const p = new Float32Array(1);
  const g = new Float32Array([1]);
  const lrs: number[] = [];
  for (let s = 0; s <= 10; s++) {
    lrs.push(opt.currentLr());
    if (s < 10) {
      const before = p[0]!;
      opt.apply(p, g);
      assert.ok(Math.abs(before - p[0]! - lrs[s]!) < 1e-6, 'the step uses the scheduled lr');
    }
  }
  assert.ok(Math.abs(lrs[0]! - 0.4) < 1e-12);
  assert.ok(Math.abs(lrs[5]! - 0.4 * (0.25 + 0.75 / 2)) < 1e-12);
  assert.ok(Math.abs(lrs[10]! - 0.1) < 1e-12);
  for (let s = 1; s <= 10; s++) assert.ok(lrs[s]! < lrs[s - 1]!);
  const unknownLength = new FlatOptimizer(spec, 1);
  unknownLength.apply(p, g);
  assert.equal(unknownLength.currentLr(), 0.4);
  assert.throws(() => parseOptimizerSpec({ type: 'sgd', schedule: { type: 'cosine', floor: 2 } }));
});

test('quasi-global momentum: the buffer follows the displacement between rounds, gossip included', () => {
  const lr = 0.1;
  const beta = 0.5;
  const opt = new FlatOptimizer(parseOptimizerSpec({ type: 'quasi-global', lr, momentum: beta }), 2);
  const p = new Float32Array([1, -1]);
  const g = new Float32Array([2, 4]);
  opt.beginRound(p);
  opt.apply(p, g);
  opt.apply(p, g);
  // Round 1 has no buffer yet: plain SGD.
  assert.ok(Math.abs(p[0]! - (1 - 2 * lr * 2)) < 1e-6 && Math.abs(p[1]! - (-1 - 2 * lr * 4)) < 1e-6);
  // Gossip moves the model; the next round's buffer is (1 − β)·(start − now)/Σlr.
  const gossip = [0.3, -0.1];
  p[0]! += gossip[0]!;
  p[1]! += gossip[1]!;
  opt.beginRound(p);
  const m = [0, 1].map((i) => ((1 - beta) * (2 * lr * g[i]! - gossip[i]!)) / (2 * lr));
  const before = p.slice();
  opt.apply(p, new Float32Array(2));
  for (const i of [0, 1]) assert.ok(Math.abs(before[i]! - p[i]! - lr * beta * m[i]!) < 1e-6, `coordinate ${i}`);
  // The buffer and the round start are optimizer state: a restored optimizer steps the same way.
  const copy = new FlatOptimizer(parseOptimizerSpec({ type: 'quasi-global', lr, momentum: beta }), 2);
  copy.setState(opt.getState());
  const a = p.slice();
  const b = p.slice();
  opt.apply(a, g);
  copy.apply(b, g);
  assert.deepEqual(a, b);
});
