import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import {
  CODEC_IDS,
  FRAME_REJECT_REASONS,
  FrameError,
  decodeFrame,
  encodeFrame,
  frameLength,
  framePayload,
  getCodec,
  peekFrameHeader,
} from '../src/compress/index.ts';
import type { Codec, CodecConfig, FrameInput, FrameRejectReason } from '../src/compress/index.ts';
import { Rng } from '../src/util/rng.ts';

const SPEC = '0123456789abcdef';

const gaussian = (d: number, rng: Rng, scale = 1): Float32Array => rng.gaussianVector(d, scale);

function reasonOf(fn: () => unknown): FrameRejectReason | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof FrameError)) throw new Error(`untyped error: ${String(err)}`, { cause: err });
    return err.reason;
  }
}

/** Recompute the trailing CRC so a mutation gets past the checksum to the deeper checks. */
function fixCrc(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 4) {
    new DataView(bytes.buffer, bytes.byteOffset, bytes.length).setUint32(
      bytes.length - 4,
      crc32(bytes.subarray(0, bytes.length - 4)),
      true,
    );
  }
  return bytes;
}

function baseInput(codec: Codec, x: Float32Array, over: Partial<FrameInput> = {}): FrameInput {
  return {
    codecId: codec.id,
    sender: 'node-7',
    round: 12,
    seq: 34,
    paramCount: x.length,
    specHash: SPEC,
    payload: codec.encode(x, 1),
    ...over,
  };
}

test('frame round trip: header fields, values, peek, payload view', () => {
  const rng = new Rng(1);
  const x = gaussian(1000, rng);
  const codec = getCodec({ name: 'topk', fraction: 0.05 });
  const input = baseInput(codec, x, {
    sender: 'nœud-é-🚀',
    round: 0xffffffff,
    seq: 0,
    specHash: SPEC.toUpperCase(),
    keyframe: true,
  });
  const bytes = encodeFrame(input);
  assert.equal(bytes.length, frameLength(new TextEncoder().encode(input.sender).length, input.payload.length));
  const { header, values } = decodeFrame(bytes, { paramCount: 1000, specHash: SPEC, maxBytes: bytes.length });
  assert.deepEqual(
    { ...header },
    {
      version: 1,
      codecId: CODEC_IDS.topk,
      codec: 'topk',
      sender: 'nœud-é-🚀',
      round: 0xffffffff,
      seq: 0,
      paramCount: 1000,
      specHash: SPEC,
      payloadLength: input.payload.length,
      keyframe: true,
      frameLength: bytes.length,
      rescaleBytes: 0,
    },
  );
  assert.deepEqual(values, codec.decode(input.payload, 1000));
  assert.deepEqual(peekFrameHeader(bytes), header);
  assert.deepEqual(framePayload(bytes, header), input.payload);
  assert.equal(
    decodeFrame(encodeFrame({ ...input, keyframe: undefined }), { paramCount: 1000, specHash: SPEC, maxBytes: 1e6 })
      .header.keyframe,
    false,
  );
});

test('each rejection reason, with a typed error', () => {
  const rng = new Rng(2);
  const x = gaussian(100, rng);
  const codec = getCodec({ name: 'int8', blockSize: 16 });
  const good = encodeFrame(baseInput(codec, x));
  const expect = { paramCount: 100, specHash: SPEC, maxBytes: 10_000 };
  const mutate = (f: (b: Uint8Array) => void, crc = true) => {
    const b = good.slice();
    f(b);
    return crc ? fixCrc(b) : b;
  };
  const cases: Array<[FrameRejectReason, () => unknown]> = [
    ['too-large', () => decodeFrame(good, { ...expect, maxBytes: good.length - 1 })],
    ['truncated', () => decodeFrame(good.subarray(0, 20), expect)],
    ['truncated', () => decodeFrame(fixCrc(good.slice(0, good.length - 10)), expect)],
    ['length-mismatch', () => decodeFrame(fixCrc(new Uint8Array([...good, 0, 0])), expect)],
    [
      'bad-magic',
      () =>
        decodeFrame(
          mutate((b) => (b[0] = 0x48)),
          expect,
        ),
    ],
    [
      'bad-version',
      () =>
        decodeFrame(
          mutate((b) => (b[4] = 2)),
          expect,
        ),
    ],
    [
      'bad-checksum',
      () =>
        decodeFrame(
          mutate((b) => (b[40] = b[40]! ^ 1), false),
          expect,
        ),
    ],
    [
      'unknown-codec',
      () =>
        decodeFrame(
          mutate((b) => (b[5] = 99)),
          expect,
        ),
    ],
    [
      'bad-header',
      () =>
        decodeFrame(
          mutate((b) => (b[7] = 4)),
          expect,
        ),
    ],
    [
      'bad-header',
      () =>
        decodeFrame(
          mutate((b) => (b[32] = 0xff)),
          expect,
        ),
    ], // invalid UTF-8 sender
    ['param-count', () => decodeFrame(good, { ...expect, paramCount: 101 })],
    ['spec-hash', () => decodeFrame(good, { ...expect, specHash: 'ffffffffffffffff' })],
    ['bad-argument', () => decodeFrame(good, { ...expect, specHash: 'xyz' })],
    ['bad-argument', () => decodeFrame('nope' as unknown as Uint8Array, expect)],
    ['bad-argument', () => decodeFrame(good, undefined as unknown as typeof expect)],
    ['bad-payload', () => decodeFrame(encodeFrame(baseInput(codec, x, { payload: new Uint8Array(4) })), expect)],
  ];
  const y = x.slice();
  y[3] = NaN;
  cases.push(['non-finite', () => decodeFrame(encodeFrame(baseInput(codec, y)), expect)]);
  const topk = getCodec({ name: 'topk', k: 3 });
  const tp = topk.encode(x, 0);
  const nonIncreasing = tp.slice();
  nonIncreasing[nonIncreasing.length - 1] = 0;
  cases.push(['bad-index', () => decodeFrame(encodeFrame(baseInput(topk, x, { payload: nonIncreasing })), expect)]);
  const outOfRange = tp.slice();
  outOfRange[outOfRange.length - 1] = 0x7f;
  cases.push(['bad-index', () => decodeFrame(encodeFrame(baseInput(topk, x, { payload: outOfRange })), expect)]);
  cases.push([
    'length-mismatch',
    () => decodeFrame(encodeFrame(baseInput(topk, x, { payload: new Uint8Array([...tp, 1]) })), expect),
  ]);
  for (const [reason, fn] of cases) assert.equal(reasonOf(fn), reason, reason);
  assert.equal(
    reasonOf(() => peekFrameHeader(good, { maxBytes: 10 })),
    'too-large',
  );
  assert.equal(
    reasonOf(() => peekFrameHeader(mutate((b) => (b[50] = b[50]! ^ 4), false))),
    'bad-checksum',
  );
  // A header claiming a 4 GiB payload is rejected from its length alone.
  assert.equal(
    reasonOf(() =>
      decodeFrame(
        mutate((b) => new DataView(b.buffer).setUint32(28, 0xffffffff, true)),
        expect,
      ),
    ),
    'truncated',
  );
});

test('rescales section: round trip, payload view, and typed rejections', () => {
  const rng = new Rng(5);
  const x = gaussian(100, rng);
  const codec = getCodec({ name: 'topk', k: 10, values: 'fp16' });
  const rescales = [
    { layer: 0, mean: Math.fround(0.25), scale: Math.fround(1.5) },
    { layer: 2, mean: Math.fround(-1e-3), scale: Math.fround(0.75) },
  ];
  const input = baseInput(codec, x, { rescales });
  const bytes = encodeFrame(input);
  assert.equal(bytes.length, frameLength(6, input.payload.length) + 2 + 10 * rescales.length);
  const expect = { paramCount: 100, specHash: SPEC, maxBytes: 10_000, layers: 4 };
  const { header, values, rescales: got } = decodeFrame(bytes, expect);
  assert.deepEqual(got, rescales);
  assert.equal(header.rescaleBytes, 22);
  assert.deepEqual(framePayload(bytes, header), input.payload);
  assert.deepEqual(values, codec.decode(input.payload, 100));
  assert.deepEqual(decodeFrame(encodeFrame(baseInput(codec, x)), expect).rescales, []);
  // Entry k starts at 32 + sender (6) + 2 + 10k: u16 layer, f32 mean, f32 scale.
  const at = (k: number) => 40 + 10 * k;
  const mutate = (f: (v: DataView) => void) => {
    const b = bytes.slice();
    f(new DataView(b.buffer));
    return fixCrc(b);
  };
  assert.equal(
    reasonOf(() =>
      decodeFrame(
        mutate((v) => v.setUint16(at(1), 4, true)),
        expect,
      ),
    ),
    'bad-rescale',
  );
  assert.equal(
    reasonOf(() =>
      decodeFrame(
        mutate((v) => v.setUint16(at(1), 0, true)),
        expect,
      ),
    ),
    'bad-rescale',
  );
  assert.equal(
    reasonOf(() =>
      decodeFrame(
        mutate((v) => v.setFloat32(at(0) + 6, 0, true)),
        expect,
      ),
    ),
    'bad-rescale',
  );
  assert.equal(
    reasonOf(() =>
      decodeFrame(
        mutate((v) => v.setFloat32(at(0) + 6, 65, true)),
        expect,
      ),
    ),
    'bad-rescale',
  );
  assert.equal(
    reasonOf(() =>
      decodeFrame(
        mutate((v) => v.setFloat32(at(0) + 2, NaN, true)),
        expect,
      ),
    ),
    'non-finite',
  );
  // A count that claims more entries than the frame holds.
  assert.equal(
    reasonOf(() =>
      decodeFrame(
        mutate((v) => v.setUint16(38, 500, true)),
        expect,
      ),
    ),
    'truncated',
  );
  assert.throws(() => encodeFrame(baseInput(codec, x, { rescales: [rescales[1]!, rescales[0]!] })), RangeError);
  assert.throws(() => encodeFrame(baseInput(codec, x, { rescales: [{ layer: 0, mean: 0, scale: -1 }] })), RangeError);
});

test('encodeFrame validates its input', () => {
  const codec = getCodec('none');
  const x = new Float32Array(4);
  assert.throws(() => encodeFrame(baseInput(codec, x, { sender: '' })), RangeError);
  assert.throws(() => encodeFrame(baseInput(codec, x, { sender: 'é'.repeat(65) })), RangeError);
  encodeFrame(baseInput(codec, x, { sender: 'é'.repeat(64) }));
  assert.throws(() => encodeFrame(baseInput(codec, x, { specHash: '0123' })), TypeError);
  assert.throws(() => encodeFrame(baseInput(codec, x, { round: -1 })), RangeError);
  assert.throws(() => encodeFrame(baseInput(codec, x, { seq: 2 ** 32 })), RangeError);
  assert.throws(() => encodeFrame(baseInput(codec, x, { codecId: 9 })), RangeError);
});

const FUZZ_CONFIGS: CodecConfig[] = [
  { name: 'none' },
  { name: 'fp16' },
  { name: 'int8', blockSize: 8 },
  { name: 'qsgd', levels: 3, bucketSize: 16 },
  { name: 'qsgd', levels: 300 },
  { name: 'topk', fraction: 0.1 },
  { name: 'topk', fraction: 0.3, values: 'fp16' },
  { name: 'randk', fraction: 0.2 },
  { name: 'randk', k: 3, rescale: false },
  { name: 'sign', blockSize: 8 },
];

test('fuzz: 12,000 random and mutated frames each decode to a valid update or a typed rejection', (t) => {
  const rng = new Rng(20240601);
  const codecs = FUZZ_CONFIGS.map((c) => getCodec(c));
  const maxBytes = 3000;
  const counts = new Map<string, number>();
  const senders = ['a', 'peer-1', 'нода', '节点-42', 'x'.repeat(128)];
  const N = 12_000;
  for (let n = 0; n < N; n++) {
    const codec = codecs[rng.int(codecs.length)]!;
    const d = rng.int(4) === 0 ? rng.int(4) : rng.int(400);
    const x = gaussian(d, rng, 10 ** (rng.int(9) - 4));
    const input = baseInput(codec, x, {
      sender: senders[rng.int(senders.length)]!,
      round: rng.nextUint32(),
      seq: rng.nextUint32(),
    });
    let bytes = encodeFrame(input);
    let expectD = d;
    let expectHash = SPEC;
    const kind = rng.int(13);
    const randomByte = () => rng.int(256);
    switch (kind) {
      case 0: // untouched
        break;
      case 1: // bit flips, checksum left stale
        for (let f = 1 + rng.int(3); f > 0; f--) bytes[rng.int(bytes.length)]! ^= 1 << rng.int(8);
        break;
      case 2: // byte overwrites anywhere, checksum fixed so deeper checks run
      case 3:
        for (let f = 1 + rng.int(4); f > 0; f--) bytes[rng.int(bytes.length)] = randomByte();
        fixCrc(bytes);
        break;
      case 4: // payload bytes overwritten (header consistent, checksum valid): codec validation
      case 5: {
        const payload = input.payload.slice();
        for (let f = 1 + rng.int(4); f > 0 && payload.length > 0; f--) payload[rng.int(payload.length)] = randomByte();
        bytes = encodeFrame({ ...input, payload });
        break;
      }
      case 6: {
        // payload resized (cut or extended), re-framed consistently
        const cut = rng.int(2) === 0;
        const len = cut ? rng.int(input.payload.length + 1) : input.payload.length + 1 + rng.int(8);
        const payload = new Uint8Array(len);
        payload.set(input.payload.subarray(0, Math.min(len, input.payload.length)));
        for (let i = input.payload.length; i < len; i++) payload[i] = randomByte();
        bytes = encodeFrame({ ...input, payload });
        break;
      }
      case 7: // frame truncated or extended, with or without checksum fix
        if (rng.int(2) === 0) bytes = bytes.slice(0, rng.int(bytes.length));
        else bytes = new Uint8Array([...bytes, ...Array.from({ length: 1 + rng.int(8) }, randomByte)]);
        if (rng.int(2) === 0) fixCrc(bytes);
        break;
      case 8: {
        // random garbage, sometimes behind a valid magic + version
        bytes = Uint8Array.from({ length: rng.int(200) }, randomByte);
        if (bytes.length >= 5 && rng.int(2) === 0) bytes.set([0x47, 0x4c, 0x43, 0x46, 1]);
        if (rng.int(2) === 0) fixCrc(bytes);
        break;
      }
      case 9: // well-framed random payload under a random codec id
        bytes = encodeFrame({
          ...input,
          codecId: rng.int(9),
          payload: Uint8Array.from({ length: rng.int(64) }, randomByte),
        });
        break;
      case 10: // wrong expectations
        if (rng.int(2) === 0) expectD = d + 1 + rng.int(5);
        else expectHash = 'fedcba9876543210';
        break;
      case 11: // oversized for the cap
        if (bytes.length <= maxBytes) bytes = new Uint8Array(maxBytes + 1 + rng.int(100));
        break;
      case 12: {
        // a rescales section (layers < 4 expected), sometimes with a byte overwritten in it
        const rescales = Array.from({ length: 1 + rng.int(3) }, (_, k) => ({
          layer: k,
          mean: rng.gaussian(),
          scale: 0.5 + rng.next(),
        }));
        bytes = encodeFrame({ ...input, rescales });
        if (rng.int(2) === 0) {
          const sectionAt = 32 + new TextEncoder().encode(input.sender).length;
          bytes[sectionAt + rng.int(2 + 10 * rescales.length)] = randomByte();
          fixCrc(bytes);
        }
        break;
      }
    }
    const before = bytes.slice();
    let outcome: string;
    try {
      const { header, values } = decodeFrame(bytes, { paramCount: expectD, specHash: expectHash, maxBytes, layers: 4 });
      outcome = 'ok';
      assert.equal(values.length, expectD);
      for (const v of values) assert.ok(Number.isFinite(v));
      assert.equal(header.paramCount, expectD);
      assert.equal(header.specHash, expectHash);
      assert.ok(bytes.length <= maxBytes);
      if (kind === 0) {
        assert.deepEqual(values, codec.decode(input.payload, d));
        assert.equal(header.seq, input.seq);
        assert.equal(header.sender, input.sender);
      }
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      assert.ok(err instanceof FrameError, `frame ${n} (kind ${kind}): untyped ${String(err)}`);
      assert.ok(FRAME_REJECT_REASONS.includes(err.reason));
      outcome = err.reason;
      assert.notEqual(kind, 0, `untouched frame ${n} rejected: ${err.message}`);
    }
    assert.deepEqual(bytes, before, 'decoder must not modify its input');
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  }
  t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])))}`);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  assert.equal(total, N);
  // The fuzzer reaches every data-dependent rejection path.
  // 'bad-argument' is a caller mistake, not something frame bytes can cause.
  for (const reason of ['ok', ...FRAME_REJECT_REASONS.filter((r) => r !== 'bad-argument')]) {
    assert.ok((counts.get(reason) ?? 0) > 0, `never saw ${reason}: ${JSON.stringify([...counts])}`);
  }
});
