import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/learn/backend.ts';
import { Model } from '../src/learn/model.ts';
import { modelSpecHash, parseModelSpec } from '../src/learn/model-spec.ts';
import { ConfigError } from '../src/util/validate.ts';

const mnistShape = { inputShape: [28, 28, 1], numClasses: 10 };

before(async () => {
  await selectBackend('auto');
});

for (const spec of [
  { type: 'logreg' },
  { type: 'mlp', hidden: [32, 16] },
  { type: 'cnn', filters: [4, 8], dense: 16 },
]) {
  test(`${spec.type}: flat view round-trips bit-exactly and the layer table tiles the vector`, () => {
    const model = new Model(parseModelSpec(spec), mnistShape);
    try {
      let offset = 0;
      for (const e of model.layout.entries) {
        assert.equal(e.offset, offset);
        assert.equal(
          e.size,
          e.shape.reduce((a, b) => a * b, 1),
        );
        offset += e.size;
      }
      assert.equal(offset, model.size);
      const params = model.initParams(42);
      params[3] = -0; // signed zero and odd bit patterns must survive
      params[model.size - 1] = 1.0000001192092896;
      model.load(params);
      const back = model.read();
      assert.deepEqual(new Uint32Array(back.buffer), new Uint32Array(params.buffer));
    } finally {
      model.dispose();
    }
  });
}

test('Glorot init is seeded, bounded by sqrt(6/(fanIn+fanOut)), biases zero', () => {
  const model = new Model(parseModelSpec({ type: 'mlp', hidden: [64] }), mnistShape);
  const a = model.initParams(1);
  assert.deepEqual(a, model.initParams(1));
  assert.notDeepEqual(a, model.initParams(2));
  for (const e of model.layout.entries) {
    const v = a.subarray(e.offset, e.offset + e.size);
    if (e.kind === 'bias') assert.ok(v.every((x) => x === 0));
    else {
      const limit = Math.sqrt(6 / (e.fanIn + e.fanOut));
      assert.ok(v.every((x) => Math.abs(x) <= limit));
      const variance = v.reduce((s, x) => s + x * x, 0) / v.length;
      assert.ok(Math.abs(variance - (limit * limit) / 3) < (0.1 * (limit * limit)) / 3);
    }
  }
  model.dispose();
});

test('the spec hash is stable, and differs for a different architecture or data shape', () => {
  const mlp = parseModelSpec({ type: 'mlp', hidden: [128] });
  assert.equal(
    modelSpecHash(mlp, mnistShape),
    modelSpecHash(parseModelSpec({ hidden: [128], type: 'mlp' }), mnistShape),
  );
  assert.match(modelSpecHash(mlp, mnistShape), /^[0-9a-f]{16}$/);
  assert.notEqual(
    modelSpecHash(mlp, mnistShape),
    modelSpecHash(parseModelSpec({ type: 'mlp', hidden: [64] }), mnistShape),
  );
  assert.notEqual(modelSpecHash(mlp, mnistShape), modelSpecHash(mlp, { inputShape: [784], numClasses: 10 }));
});

test('cnn logits have the right shape; a bad spec is a one-line ConfigError', () => {
  const model = new Model(parseModelSpec({ type: 'cnn' }), mnistShape);
  model.load(model.initParams(3));
  const shape = tf.tidy(() => model.logits(tf.zeros([5, 28, 28, 1])).shape);
  assert.deepEqual(shape, [5, 10]);
  model.dispose();
  assert.throws(
    () => parseModelSpec({ type: 'mlp', hidden: [0] }, 'cfg.json'),
    (e: unknown) => e instanceof ConfigError && /^cfg\.json: hidden\.0: /.test(e.message),
  );
  assert.throws(() => parseModelSpec({ type: 'resnet' }), /type/);
});
