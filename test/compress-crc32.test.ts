import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32 } from '../src/compress/crc32-portable.ts';
import { crc32 as crc32Node } from '../src/compress/crc32-node.ts';
import { Rng } from '../src/util/rng.ts';

test('crc32 equals zlib crc32 on every length 0..70 and on a large random buffer', () => {
  const rng = new Rng(7);
  const big = new Uint8Array(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = Math.floor(rng.next() * 256);
  for (let n = 0; n <= 70; n++) {
    const part = big.subarray(3, 3 + n);
    assert.equal(crc32(part), zlibCrc32(part), `length ${n}`);
  }
  assert.equal(crc32(big), zlibCrc32(big));
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test("Node's crc32 (the #crc32 import under Node) equals the portable one", () => {
  const rng = new Rng(8);
  const big = new Uint8Array(300_001);
  for (let i = 0; i < big.length; i++) big[i] = Math.floor(rng.next() * 256);
  for (const n of [0, 1, 5, 64, 4097, big.length])
    assert.equal(crc32Node(big.subarray(0, n)), crc32(big.subarray(0, n)));
});
