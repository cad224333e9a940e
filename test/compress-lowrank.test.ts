import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODEC_IDS, FrameError, decodePayload, getCodec, parseCodecConfig } from '../src/compress/index.ts';
import { buildLayout } from '../src/learn/layout.ts';
import { Rng } from '../src/util/rng.ts';

const layout = buildLayout([
  { name: 'w0', shape: [60, 20], kind: 'weight', fanIn: 60, fanOut: 20 },
  { name: 'b0', shape: [20], kind: 'bias', fanIn: 0, fanOut: 0 },
  { name: 'w1', shape: [20, 5], kind: 'weight', fanIn: 20, fanOut: 5 },
  { name: 'b1', shape: [5], kind: 'bias', fanIn: 0, fanOut: 0 },
]);
const d = layout.totalSize;

function sqDist(a: Float32Array, b: Float32Array, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof FrameError, `untyped: ${String(err)}`);
    return err.reason;
  }
}

/** w0 exactly rank 2, the rest Gaussian. */
function rank2Vector(seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = rng.gaussianVector(d, 1);
  const u = [rng.gaussianVector(60, 1), rng.gaussianVector(60, 1)];
  const v = [rng.gaussianVector(20, 1), rng.gaussianVector(20, 1)];
  for (let i = 0; i < 60; i++)
    for (let j = 0; j < 20; j++) x[i * 20 + j] = u[0]![i]! * v[0]![j]! + 0.5 * u[1]![i]! * v[1]![j]!;
  return x;
}

test('powersgd: warm-started factors converge on a rank-2 matrix, biases go dense fp16', () => {
  const codec = getCodec({ name: 'powersgd', rank: 2, factors: 'fp32' }, layout);
  assert.equal(codec.id, CODEC_IDS.powersgd);
  assert.ok(codec.contractive);
  const x = rank2Vector(1);
  const w0 = 60 * 20;
  let energy = 0;
  for (let i = 0; i < w0; i++) energy += x[i]! ** 2;
  const errors: number[] = [];
  for (let call = 0; call < 4; call++) {
    const y = codec.decode(codec.encode(x, call), d);
    errors.push(sqDist(x, y, 0, w0) / energy);
    // b0 (dense fp16): relative error at most 2^-11 per value.
    for (let i = w0; i < w0 + 20; i++) assert.ok(Math.abs(y[i]! - x[i]!) <= Math.abs(x[i]!) * 2 ** -11 + 1e-7);
    assert.ok(sqDist(x, y) <= sqDist(x, new Float32Array(d)), 'contractive');
  }
  assert.ok(errors[3]! < 1e-6, `rank-2 matrix recovered after warm starts: ${errors.join(', ')}`);
  assert.ok(errors[3]! <= errors[0]!);
  // 4 segments: w0 (10 + 80·2·4 bytes), b0 (40), w1 (10 + 25·2·4), b1 (10); table 4 + 9 per segment.
  assert.equal(codec.encode(x, 9).length, 4 + 9 * 4 + (10 + 640) + 40 + (10 + 200) + 10);
});

test('layered: stays within its budget and gives each layer the codec that suits it', () => {
  const budget = 0.1;
  const codec = getCodec({ name: 'layered', budget }, layout);
  const rng = new Rng(2);
  const dense = rng.gaussianVector(d, 1);
  const sparse = new Float32Array(d);
  for (let k = 0; k < 20; k++) sparse[rng.int(d)] = 10 * rng.gaussian();
  // Top-k at about the same size (fp16 value + a one-byte index gap ≈ 3 bytes per value).
  const topk = getCodec({ name: 'topk', fraction: (budget * 4) / 3, values: 'fp16' });
  for (const x of [dense, sparse, rank2Vector(3)]) {
    const p = codec.encode(x, 1);
    // Budget on the payloads, plus the segment table (top-k sizes are estimated: a few bytes of slack).
    assert.ok(p.length <= budget * 4 * d + 4 + 9 * 4 + 16, `${p.length} bytes for a budget of ${budget * 4 * d}`);
    const y = codec.decode(p, d);
    const ours = sqDist(x, y);
    const baseline = sqDist(x, topk.decode(topk.encode(x, 1), d));
    assert.ok(p.length <= topk.encode(x, 1).length + 60);
    assert.ok(ours <= baseline * 1.01, `layered error ${ours} vs top-k ${baseline}`);
    assert.ok(ours <= sqDist(x, new Float32Array(d)));
  }
  const sparseError = sqDist(sparse, codec.decode(codec.encode(sparse, 2), d));
  assert.ok(sparseError < 1e-3, `a 20-spike vector is sent (almost) exactly: ${sparseError}`);
});

test('segments decoder: malformed, oversized and non-finite payloads are typed rejections', () => {
  const codec = getCodec({ name: 'powersgd', rank: 2 }, layout);
  const good = codec.encode(rank2Vector(4), 0);
  assert.equal(
    reasonOf(() => decodePayload(CODEC_IDS.powersgd, good, d)),
    'ok',
  );
  const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const mutated = (f: (b: Uint8Array) => void): Uint8Array => {
    const b = good.slice();
    f(b);
    return b;
  };
  const cases: Array<[string, Uint8Array, number]> = [
    ['truncated', good.subarray(0, 2), d],
    ['bad-payload', mutated((b) => view(b).setUint32(0, 0, true)), d],
    ['truncated', mutated((b) => view(b).setUint32(0, 1000, true)), d],
    ['unknown-codec', mutated((b) => (b[4] = 8)), d], // a segment cannot be segmented
    ['unknown-codec', mutated((b) => (b[4] = 3)), d],
    ['bad-payload', mutated((b) => view(b).setUint32(5, d, true)), d], // first segment overruns
    ['length-mismatch', mutated((b) => view(b).setUint32(9, 0xfffffff0, true)), d],
    ['length-mismatch', new Uint8Array([...good, 0]), d], // trailing byte
    ['bad-payload', good, d + 1], // segments do not cover the vector
  ];
  // Inside the first (low-rank) segment, which starts after the 4 + 4·9 byte table.
  const seg = 40;
  cases.push(['bad-payload', mutated((b) => (b[seg + 8] = 30)), d]); // rank above min(rows, cols)
  cases.push(['bad-payload', mutated((b) => view(b).setUint32(seg, 61, true)), d]); // rows × cols ≠ values
  cases.push(['bad-payload', mutated((b) => (b[seg + 9] = 2)), d]); // unknown factor format
  cases.push(['non-finite', mutated((b) => view(b).setUint16(seg + 10, 0x7c00, true)), d]); // fp16 +Inf factor
  cases.push(['length-mismatch', mutated((b) => (b[seg + 8] = 1)), d]); // rank 1 does not match the size
  for (const [reason, payload, n] of cases)
    assert.equal(
      reasonOf(() => decodePayload(CODEC_IDS.powersgd, payload, n)),
      reason,
    );
  // A decoder allocates nothing sized by the payload: a huge declared count is refused before use.
  assert.equal(
    reasonOf(() =>
      decodePayload(
        CODEC_IDS.layered,
        mutated((b) => view(b).setUint32(0, 0xffffffff, true)),
        d,
      ),
    ),
    'bad-payload',
  );
});

test('powersgd and layered configs are validated and need the layer table', () => {
  assert.deepEqual(parseCodecConfig({ name: 'powersgd' }), { name: 'powersgd', rank: 4, factors: 'fp16' });
  assert.deepEqual(parseCodecConfig({ name: 'layered' }), { name: 'layered', budget: 0.04 });
  assert.throws(
    () => parseCodecConfig({ name: 'powersgd', rank: 0 }),
    /: codec\.rank: must be an integer from 1 to 255, got 0$/,
  );
  assert.throws(
    () => parseCodecConfig({ name: 'powersgd', factors: 'int8' }),
    /: codec\.factors: must be "fp16" or "fp32"/,
  );
  assert.throws(
    () => parseCodecConfig({ name: 'layered', budget: 2 }),
    /: codec\.budget: must be a number in \(0, 1\], got 2$/,
  );
  assert.throws(
    () => parseCodecConfig({ name: 'layered', fraction: 0.1 }),
    /unknown key "fraction" for codec "layered"/,
  );
  assert.throws(() => getCodec({ name: 'powersgd' }), /needs the model's layer table/);
  assert.throws(
    () => getCodec({ name: 'layered' }, { totalSize: 10, entries: [{ offset: 0, size: 9, shape: [9], kind: 'bias' }] }),
    /cover 9 of 10/,
  );
});
