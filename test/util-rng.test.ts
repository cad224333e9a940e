import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../src/util/rng.ts';

test('Rng.fillInts: the draws of as many int(n) calls, in order, and the generator left where they leave it', () => {
  for (const [seed, count, n] of [
    [1, 0, 10],
    [2, 1, 1],
    [3, 4096, 101_770],
    [4, 333, 7],
    [5, 50, 2 ** 31],
  ] as const) {
    const filled = new Rng(seed);
    const called = new Rng(seed);
    const out = new Int32Array(count + 2).fill(-1);
    filled.fillInts(out, count, n);
    for (let s = 0; s < count; s++) assert.equal(out[s], called.int(n), `seed ${seed}, draw ${s}`);
    assert.deepEqual([out[count], out[count + 1]], [-1, -1], 'nothing past count is written');
    for (let s = 0; s < 5; s++) assert.equal(filled.nextUint32(), called.nextUint32(), `seed ${seed}: state after`);
  }
});
