import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODEC_IDS, FrameError, checkedPayloadAdder, decodePayload, getCodec } from '../src/compress/index.ts';
import type { CodecConfig } from '../src/compress/index.ts';
import { buildLayout } from '../src/learn/layout.ts';
import { Rng } from '../src/util/rng.ts';

const layout = buildLayout([
  { name: 'w0', shape: [60, 20], kind: 'weight', fanIn: 60, fanOut: 20 },
  { name: 'b0', shape: [20], kind: 'bias', fanIn: 0, fanOut: 0 },
  { name: 'w1', shape: [20, 5], kind: 'weight', fanIn: 20, fanOut: 5 },
  { name: 'b1', shape: [5], kind: 'bias', fanIn: 0, fanOut: 0 },
]);
const d = layout.totalSize;
const bits = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));

function reasonOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof FrameError, `untyped: ${String(err)}`);
    return err.reason;
  }
}

/** A copy with ±0 entries too: x + (+0) turns −0 into +0, and an adder must do the same. */
function someCopy(rng: Rng): Float32Array {
  const copy = rng.gaussianVector(d, 1);
  for (let i = 0; i < d; i += 13) copy[i] = i % 2 ? -0 : 0;
  return copy;
}

/** Vectors that make the layered codec pick sign, low rank, top-k and fp16 segments among them. */
function inputs(rng: Rng): Float32Array[] {
  const dense = rng.gaussianVector(d, 1);
  const sparse = new Float32Array(d);
  for (let k = 0; k < 20; k++) sparse[rng.int(d)] = 10 * rng.gaussian();
  const lowRank = rng.gaussianVector(d, 0.01);
  const u = rng.gaussianVector(60, 1);
  const v = rng.gaussianVector(20, 1);
  for (let i = 0; i < 60; i++) for (let j = 0; j < 20; j++) lowRank[i * 20 + j] = u[i]! * v[j]!;
  // A block of −0: scale 0, every sign bit set, so the decoded values are −0 (and −0 + −0 stays −0).
  const negativeZeros = rng.gaussianVector(d, 1).fill(-0, 0, 256);
  return [dense, sparse, lowRank, dense, lowRank, negativeZeros];
}

function segmentCodecs(payload: Uint8Array): number[] {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return Array.from({ length: view.getUint32(0, true) }, (_, k) => payload[4 + 9 * k]!);
}

const CONFIGS: CodecConfig[] = [
  { name: 'sign' },
  { name: 'sign', blockSize: 7 },
  { name: 'fp16' },
  { name: 'powersgd', rank: 2 },
  { name: 'powersgd', rank: 3, factors: 'fp32' },
  { name: 'layered', budget: 0.1 },
  { name: 'layered', budget: 0.3 },
];

test('sign, fp16, powersgd and layered add a payload into a copy: the same float32 sums as decoding first', () => {
  const rng = new Rng(11);
  const inner = new Set<number>();
  for (const cfg of CONFIGS) {
    const codec = getCodec(cfg, layout);
    assert.ok(codec.adderFor, `${codec.label} has an adder`);
    for (const [t, x] of inputs(rng).entries()) {
      const payload = codec.encode(x, t);
      if (codec.id === CODEC_IDS.layered) for (const c of segmentCodecs(payload)) inner.add(c);
      const copy = someCopy(rng);
      const viaDecode = copy.slice();
      const decoded = decodePayload(codec.id, payload, d);
      for (let i = 0; i < d; i++) viaDecode[i] = viaDecode[i]! + decoded[i]!;
      // At an odd offset inside a Buffer, as a payload sliced from a received frame.
      const framed = Buffer.alloc(payload.length + 3);
      framed.set(payload, 3);
      const viaFrame = copy.slice();
      checkedPayloadAdder(codec.id, framed.subarray(3), d)!(viaFrame);
      assert.deepEqual(bits(viaFrame), bits(viaDecode), `${codec.label}, input ${t}`);
      const viaAdder = copy.slice();
      codec.adderFor(payload, d)(viaAdder);
      assert.deepEqual(bits(viaAdder), bits(viaDecode), `${codec.label}, input ${t}, aligned`);
    }
  }
  // Inner ids: 1 fp16, 4 topk, 6 sign, 7 low rank.
  assert.deepEqual([...inner].sort(), [1, 4, 6, 7], 'the layered payloads exercised every kind of segment');
});

test('an adder checks the whole payload first: a malformed one is rejected, the copy left untouched', () => {
  const rng = new Rng(12);
  const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const mutated = (good: Uint8Array, f: (b: Uint8Array) => void): Uint8Array => {
    const b = good.slice();
    f(b);
    return b;
  };
  const x = inputs(rng)[0]!;
  const sign = getCodec({ name: 'sign' }).encode(x, 0);
  const fp16 = getCodec({ name: 'fp16' }).encode(x, 0);
  const powersgd = getCodec({ name: 'powersgd', rank: 2 }, layout).encode(x, 0);
  const fp32Factors = getCodec({ name: 'powersgd', rank: 2, factors: 'fp32' }, layout).encode(x, 0);
  // The w0 segment starts after the 4 + 4·9 byte table; its factors after a 10-byte header.
  const factorsAt = 40 + 10;
  // w1's segment follows w0's (10 + 80·2·4 bytes) and b0's (20·2): huge factors there, after w0.
  const w1FactorsAt = 40 + 650 + 40 + 10;
  const huge = mutated(fp32Factors, (b) => {
    for (let k = 0; k < 50; k++) view(b).setFloat32(w1FactorsAt + 4 * k, 3e19, true);
  });
  // Scales of the last block: a check made while adding would have added the blocks before.
  const lastScale = 4 + 4 * (Math.ceil(d / 256) - 1);
  const cases: Array<[number, Uint8Array, string]> = [
    [CODEC_IDS.sign, sign.subarray(0, sign.length - 1), 'length-mismatch'],
    [CODEC_IDS.sign, mutated(sign, (b) => view(b).setFloat32(lastScale, Number.NaN, true)), 'non-finite'],
    [CODEC_IDS.sign, mutated(sign, (b) => view(b).setFloat32(lastScale, -1, true)), 'bad-payload'],
    [CODEC_IDS.sign, mutated(sign, (b) => view(b).setUint32(0, 0, true)), 'bad-payload'],
    [CODEC_IDS.fp16, mutated(fp16, (b) => view(b).setUint16(2 * (d - 1), 0x7c00, true)), 'non-finite'],
    [CODEC_IDS.fp16, fp16.subarray(0, fp16.length - 2), 'length-mismatch'],
    [CODEC_IDS.powersgd, mutated(powersgd, (b) => view(b).setUint16(factorsAt + 2, 0xfc00, true)), 'non-finite'],
    // The last segment (b1, fp16) is broken: nothing may have been added for the first three.
    [CODEC_IDS.powersgd, mutated(powersgd, (b) => view(b).setUint16(b.length - 2, 0x7e00, true)), 'non-finite'],
    [CODEC_IDS.powersgd, mutated(powersgd, (b) => (b[4 + 9 * 3] = 3)), 'unknown-codec'],
    [CODEC_IDS.powersgd, new Uint8Array([...powersgd, 0]), 'length-mismatch'],
    // Finite fp32 factors whose product overflows float32: found before anything is added.
    [CODEC_IDS.powersgd, huge, 'non-finite'],
  ];
  for (const [id, bad, reason] of cases) {
    assert.equal(
      reasonOf(() => decodePayload(id, bad, d)),
      reason,
      `decoder, ${reason}`,
    );
    const copy = someCopy(rng);
    const untouched = copy.slice();
    assert.equal(
      reasonOf(() => checkedPayloadAdder(id, bad, d)!(copy)),
      reason,
      `adder, ${reason}`,
    );
    assert.deepEqual(bits(copy), bits(untouched), `a ${reason} payload leaves the copy unchanged`);
  }
  const copy = someCopy(rng);
  assert.throws(() => checkedPayloadAdder(CODEC_IDS.sign, sign, d)!(copy.subarray(1)), RangeError);
});
