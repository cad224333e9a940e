import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/learn/backend.ts';
import { readTensorInto } from '../src/learn/tensor-read.ts';

function seededValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 4;
  }
  return out;
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`readTensorInto on ${backend}: the values dataSync gives, written at the offset and nowhere else`, async () => {
    await selectBackend(backend);
    assert.equal(tf.getBackend(), backend);
    const a = tf.tensor2d(seededValues(12 * 7, 1), [12, 7]);
    const b = tf.tensor2d(seededValues(7 * 5, 2), [7, 5]);
    const v = tf.variable(a, true, `a-${backend}`);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(v, b))) as tf.Scalar, [v]);
    const produced = [
      tf.matMul(a, b),
      tf.reshape(tf.matMul(a, b), [60]),
      tf.slice(a, [3, 0], [4, 7]),
      ...Object.values(grads),
    ];
    for (const t of produced) {
      const out = new Float32Array(t.size + 9).fill(-7);
      readTensorInto(t, out, 4);
      assert.deepEqual(out.subarray(4, 4 + t.size), t.dataSync() as Float32Array);
      assert.ok(out.subarray(0, 4).every((v) => v === -7) && out.subarray(4 + t.size).every((v) => v === -7));
    }
    const ints = tf.tensor1d([1, 2, 3], 'int32');
    const out = new Float32Array(3);
    readTensorInto(ints, out, 0);
    assert.deepEqual([...out], [1, 2, 3]);
    tf.dispose([a, b, ints, value, ...produced]);
    tf.disposeVariables();
  });
}
