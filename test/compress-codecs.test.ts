import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CODECS,
  CODEC_IDS,
  CODEC_NAMES,
  checkedPayloadAdder,
  FrameError,
  TopKSelector,
  codecNameOf,
  decodePayload,
  getCodec,
  isCodecId,
  parseCodecConfig,
} from '../src/compress/index.ts';
import type { CodecConfig } from '../src/compress/index.ts';
import { HALF_TO_F32, halfFromNumber } from '../src/compress/half.ts';
import { Rng, deriveSeed } from '../src/util/rng.ts';

const ALL_CONFIGS: CodecConfig[] = [
  { name: 'none' },
  { name: 'fp16' },
  { name: 'int8' },
  { name: 'int8', blockSize: 7 },
  { name: 'qsgd', levels: 1 },
  { name: 'qsgd', levels: 5, bucketSize: 33 },
  { name: 'qsgd', levels: 32767, bucketSize: 100 },
  { name: 'topk', fraction: 0.1 },
  { name: 'topk', k: 3, values: 'fp16' },
  { name: 'randk', fraction: 0.2 },
  { name: 'randk', k: 4, rescale: false },
  { name: 'sign' },
  { name: 'sign', blockSize: 5 },
];

const gaussian = (d: number, seed: number, scale = 1): Float32Array => new Rng(seed).gaussianVector(d, scale);

function sqDist(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

function sqNorm(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return s;
}

function rejects(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => err instanceof FrameError && err.reason === reason);
}

test('wire ids are stable and distinct', () => {
  assert.deepEqual(CODEC_IDS, {
    none: 0,
    fp16: 1,
    int8: 2,
    qsgd: 3,
    topk: 4,
    randk: 5,
    sign: 6,
    powersgd: 7,
    layered: 8,
  });
  const layout = { totalSize: 12, entries: [{ offset: 0, size: 12, shape: [3, 4], kind: 'weight' }] };
  for (const name of CODEC_NAMES) {
    const cfg = name === 'qsgd' ? { name, levels: 3 } : { name };
    assert.equal(getCodec(cfg as CodecConfig, layout).id, CODEC_IDS[name]);
  }
  // Names and ids come from the registry, in its order; the ids in use are exactly 0..8.
  assert.deepEqual(
    CODEC_NAMES,
    CODECS.map((c) => c.name),
  );
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, 1.5].filter(isCodecId), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  for (const c of CODECS) assert.equal(codecNameOf(c.id), c.name);
});

test('declared properties', () => {
  const props = (cfg: CodecConfig) => {
    const c = getCodec(cfg);
    return [c.unbiased, c.contractive];
  };
  assert.deepEqual(props({ name: 'none' }), [true, true]);
  assert.deepEqual(props({ name: 'fp16' }), [false, true]);
  assert.deepEqual(props({ name: 'int8' }), [false, true]);
  assert.deepEqual(props({ name: 'qsgd', levels: 4 }), [true, false]);
  assert.deepEqual(props({ name: 'topk' }), [false, true]);
  assert.deepEqual(props({ name: 'randk' }), [true, false]);
  assert.deepEqual(props({ name: 'randk', rescale: false }), [false, true]);
  assert.deepEqual(props({ name: 'sign' }), [false, true]);
});

test('every codec round-trips shapes, is deterministic per seed, and decodes from an unaligned copy', () => {
  for (const cfg of ALL_CONFIGS) {
    const codec = getCodec(cfg);
    for (const d of [0, 1, 2, 3, 8, 9, 100, 1001]) {
      const x = gaussian(d, deriveSeed(1, codec.label, d));
      const p1 = codec.encode(x, 7);
      const p2 = codec.encode(x, 7);
      assert.deepEqual(p1, p2, `${codec.label} d=${d} deterministic`);
      const y = codec.decode(p1, d);
      assert.equal(y.length, d);
      for (const v of y) assert.ok(Number.isFinite(v));
      // The same payload at an odd byte offset (as inside a frame) decodes identically.
      const shifted = new Uint8Array(p1.length + 1);
      shifted.set(p1, 1);
      assert.deepEqual(codec.decode(shifted.subarray(1), d), y, `${codec.label} d=${d} unaligned`);
      assert.deepEqual(decodePayload(codec.id, p1, d), y);
      if (codec.contractive && d > 0) {
        assert.ok(sqDist(y, x) <= sqNorm(x) * (1 + 1e-6), `${codec.label} d=${d} contractive`);
      }
    }
  }
});

test('none is exact, fp16 has relative error <= 2^-11 in the normal range', () => {
  const x = gaussian(5000, 2);
  assert.deepEqual(getCodec({ name: 'none' }).decode(getCodec({ name: 'none' }).encode(x, 0), x.length), x);
  const y = getCodec({ name: 'fp16' }).decode(getCodec({ name: 'fp16' }).encode(x, 0), x.length);
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]!) >= 2 ** -14) assert.ok(Math.abs(y[i]! - x[i]!) <= Math.abs(x[i]!) * 2 ** -11, `i=${i}`);
    else assert.ok(Math.abs(y[i]! - x[i]!) <= 2 ** -25);
  }
});

test('half conversion: exact on representable values, rounds to nearest even, saturates', () => {
  for (let h = 0; h < 0x7c00; h++) {
    assert.equal(halfFromNumber(HALF_TO_F32[h]!), h);
    assert.equal(halfFromNumber(HALF_TO_F32[h | 0x8000]!), h | 0x8000);
  }
  assert.equal(halfFromNumber(1 + 2 ** -11), halfFromNumber(1)); // tie to even (down)
  assert.equal(halfFromNumber(1 + 3 * 2 ** -11), halfFromNumber(1 + 2 ** -9)); // tie to even (up)
  assert.equal(HALF_TO_F32[halfFromNumber(1e6)], 65504);
  assert.equal(HALF_TO_F32[halfFromNumber(-65519)], -65504);
  assert.equal(halfFromNumber(Infinity), 0x7c00);
  assert.equal(halfFromNumber(2 ** -26), 0); // below half the smallest subnormal
  assert.equal(halfFromNumber(3 * 2 ** -26), 1);
});

test('int8: per-element error <= max|block| / 254, relative L2 error < 1%', () => {
  for (const blockSize of [1, 16, 256, 4096]) {
    const codec = getCodec({ name: 'int8', blockSize });
    const rng = new Rng(blockSize);
    const x = new Float32Array(10_000);
    // Blocks of very different scales, to show the per-block scale at work.
    for (let i = 0; i < x.length; i++) x[i] = rng.gaussian() * 10 ** (((i >> 9) % 7) - 3);
    const y = codec.decode(codec.encode(x, 0), x.length);
    for (let start = 0; start < x.length; start += blockSize) {
      const end = Math.min(x.length, start + blockSize);
      let max = 0;
      for (let i = start; i < end; i++) max = Math.max(max, Math.abs(x[i]!));
      for (let i = start; i < end; i++) {
        assert.ok(Math.abs(y[i]! - x[i]!) <= (max / 254) * (1 + 1e-5), `block ${blockSize} index ${i}`);
      }
    }
    if (blockSize <= 256) assert.ok(Math.sqrt(sqDist(x, y) / sqNorm(x)) < 0.01, `block ${blockSize}`);
  }
});

test('sign: block scale is the mean |x| and signs are kept', () => {
  const x = gaussian(1000, 3);
  const codec = getCodec({ name: 'sign', blockSize: 100 });
  const y = codec.decode(codec.encode(x, 0), x.length);
  for (let b = 0; b < 10; b++) {
    let mean = 0;
    for (let i = b * 100; i < (b + 1) * 100; i++) mean += Math.abs(x[i]!) / 100;
    for (let i = b * 100; i < (b + 1) * 100; i++) {
      assert.ok(Math.abs(Math.abs(y[i]!) - mean) <= mean * 1e-6);
      assert.equal(Math.sign(y[i]!), x[i]! < 0 ? -1 : 1);
    }
  }
  // ||C(x) - x||² = ||x||² - ||x||₁²/n per block (the scaled sign is a projection).
  assert.ok(sqDist(x, y) < sqNorm(x));
});

test('sign: decoding by bit patterns gives exactly scale · (1 − 2·bit), for any block size, ±0 scales', () => {
  const rng = new Rng(17);
  for (const [d, blockSize] of [
    [1, 1],
    [13, 5],
    [100, 8],
    [1001, 256],
    [777, 13],
    [64, 64],
  ] as const) {
    const nBlocks = Math.ceil(d / blockSize);
    const payload = new Uint8Array(4 + 4 * nBlocks + Math.ceil(d / 8));
    const view = new DataView(payload.buffer);
    view.setUint32(0, blockSize, true);
    const scales = Array.from({ length: nBlocks }, (_, b) => [0, -0, 0.37, 1e-40, 1.5e38][b % 5]! * (1 + rng.next()));
    scales.forEach((v, b) => view.setFloat32(4 + 4 * b, v, true));
    for (let k = 4 + 4 * nBlocks; k < payload.length; k++) payload[k] = rng.int(256);
    const y = getCodec({ name: 'sign', blockSize }).decode(payload, d);
    for (let i = 0; i < d; i++) {
      const bit = (payload[4 + 4 * nBlocks + (i >>> 3)]! >>> (i & 7)) & 1;
      const expected = Math.fround(view.getFloat32(4 + 4 * Math.floor(i / blockSize), true) * (1 - 2 * bit));
      assert.ok(Object.is(y[i], expected), `d ${d} block ${blockSize} index ${i}: ${y[i]} instead of ${expected}`);
    }
  }
});

/** Reference top-k: sort by (|x| desc, index asc), keep k, return ascending indices. */
function referenceTopK(x: Float32Array, k: number): number[] {
  const mag = (v: number) => (Number.isNaN(v) ? Infinity : Math.abs(v));
  const order = Array.from(x.keys()).sort((a, b) => mag(x[b]!) - mag(x[a]!) || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

test('topk keeps exactly the k largest magnitudes (ties to the lower index), exact and sampled paths', () => {
  const selector = new TopKSelector();
  const cases: Array<[string, Float32Array]> = [];
  for (const d of [1, 10, 1000, 40_000, 200_000]) cases.push([`gaussian ${d}`, gaussian(d, d)]);
  const rng = new Rng(99);
  const ties = new Float32Array(50_000);
  for (let i = 0; i < ties.length; i++) ties[i] = (rng.int(7) - 3) * 0.5;
  cases.push(['many ties', ties]);
  cases.push(['all zeros', new Float32Array(40_000)]);
  const sparse = new Float32Array(60_000);
  for (let i = 0; i < 50; i++) sparse[rng.int(sparse.length)] = rng.gaussian();
  cases.push(['mostly zeros', sparse]);
  const heavy = new Float32Array(50_000);
  for (let i = 0; i < heavy.length; i++) heavy[i] = rng.gaussian() / (rng.next() + 1e-6);
  cases.push(['heavy tailed', heavy]);
  const ramp = new Float32Array(70_000);
  for (let i = 0; i < ramp.length; i++) ramp[i] = i % 2 ? i : -i;
  cases.push(['sorted ramp', ramp]);
  for (const [name, x] of cases) {
    for (const frac of [0.001, 0.01, 0.1, 0.5, 1]) {
      const k = Math.max(1, Math.round(frac * x.length));
      const got = Array.from(selector.select(x, k, 5));
      assert.deepEqual(got, referenceTopK(x, k), `${name} k=${k}`);
    }
  }
});

test('topk codec: decoded vector is x on the top-k indices and 0 elsewhere', () => {
  const x = gaussian(100_000, 4);
  const k = 1000;
  const idx = new Set(referenceTopK(x, k));
  const y = getCodec({ name: 'topk', k }).decode(getCodec({ name: 'topk', k }).encode(x, 1), x.length);
  for (let i = 0; i < x.length; i++) assert.equal(y[i], idx.has(i) ? x[i] : 0);
  const h = getCodec({ name: 'topk', k, values: 'fp16' });
  const yh = h.decode(h.encode(x, 1), x.length);
  for (let i = 0; i < x.length; i++) {
    if (idx.has(i)) assert.ok(Math.abs(yh[i]! - x[i]!) <= Math.abs(x[i]!) * 2 ** -11);
    else assert.equal(yh[i], 0);
  }
  // Fraction is rounded against d and never below one element.
  assert.equal(
    getCodec({ name: 'topk', fraction: 0.01 })
      .decode(getCodec({ name: 'topk', fraction: 0.01 }).encode(gaussian(10, 1), 0), 10)
      .filter((v) => v !== 0).length,
    1,
  );
});

test('qsgd is unbiased: mean over 4000 seeds is within 5 sigma of x per coordinate', () => {
  for (const [levels, bucketSize] of [
    [1, 64],
    [4, 16],
  ] as const) {
    const codec = getCodec({ name: 'qsgd', levels, bucketSize });
    const d = 64;
    const x = gaussian(d, 11);
    const trials = 4000;
    const sum = new Float64Array(d);
    for (let t = 0; t < trials; t++) {
      const y = codec.decode(codec.encode(x, deriveSeed(5, levels, t)), d);
      for (let i = 0; i < d; i++) sum[i]! += y[i]!;
    }
    let chi2 = 0;
    for (let b = 0; b < d; b += bucketSize) {
      let sq = 0;
      for (let i = b; i < b + bucketSize; i++) sq += x[i]! ** 2;
      const step = Math.sqrt(sq) / levels;
      for (let i = b; i < b + bucketSize; i++) {
        const y = Math.abs(x[i]!) / step;
        const p = y - Math.floor(y);
        const sigma = (step * Math.sqrt(p * (1 - p))) / Math.sqrt(trials) + 1e-7;
        const z = (sum[i]! / trials - x[i]!) / sigma;
        assert.ok(Math.abs(z) < 5, `levels ${levels} i=${i} z=${z}`);
        chi2 += z * z;
      }
    }
    assert.ok(chi2 / d < 2, `levels ${levels} chi2/d=${chi2 / d}`);
  }
});

test('randk is unbiased with rescaling: mean over 20000 seeds within 5 sigma; unscaled is not', () => {
  const d = 100;
  const x = gaussian(d, 12);
  const codec = getCodec({ name: 'randk', k: 10 });
  const trials = 20_000;
  const sum = new Float64Array(d);
  for (let t = 0; t < trials; t++) {
    const y = codec.decode(codec.encode(x, deriveSeed(6, t)), d);
    let nonzero = 0;
    for (let i = 0; i < d; i++) {
      sum[i]! += y[i]!;
      if (y[i] !== 0) nonzero++;
    }
    assert.equal(nonzero, 10);
  }
  for (let i = 0; i < d; i++) {
    const sigma = (Math.abs(x[i]!) * Math.sqrt(10 - 1)) / Math.sqrt(trials);
    assert.ok(Math.abs(sum[i]! / trials - x[i]!) < 5 * sigma, `i=${i}`);
  }
  // Without rescaling the expectation is x·k/d.
  const unscaled = getCodec({ name: 'randk', k: 10, rescale: false });
  const y = new Float64Array(d);
  for (let t = 0; t < 2000; t++) {
    const v = unscaled.decode(unscaled.encode(x, deriveSeed(7, t)), d);
    for (let i = 0; i < d; i++) y[i]! += v[i]! / 2000;
  }
  let ratio = 0;
  for (let i = 0; i < d; i++) ratio += (y[i]! * x[i]!) / sqNorm(x);
  assert.ok(Math.abs(ratio - 0.1) < 0.02, `ratio ${ratio}`);
});

test('randk: different seeds pick different coordinates; the payload carries the seed, not indices', () => {
  const x = gaussian(1000, 13);
  const codec = getCodec({ name: 'randk', k: 10 });
  const a = codec.decode(codec.encode(x, 1), 1000);
  const b = codec.decode(codec.encode(x, 2), 1000);
  assert.notDeepEqual(a, b);
  assert.equal(codec.encode(x, 1).length, 9 + 4 * 10);
});

test('non-finite input never decodes silently', () => {
  for (const cfg of ALL_CONFIGS) {
    // randk only carries NaN/Inf when it samples that coordinate, so make it keep every one.
    const codec = getCodec(cfg.name === 'randk' ? { name: 'randk', k: 50, rescale: cfg.rescale } : cfg);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const x = gaussian(50, 14);
      x[17] = bad;
      rejects(() => codec.decode(codec.encode(x, 0), 50), 'non-finite');
    }
  }
});

test('decode rejects malformed payloads with typed errors', () => {
  const x = gaussian(100, 15);
  const topk = getCodec({ name: 'topk', k: 5 });
  const p = topk.encode(x, 0);
  rejects(() => topk.decode(p, 4), 'bad-payload'); // k > d
  rejects(() => topk.decode(p.subarray(0, p.length - 1), 100), 'length-mismatch');
  rejects(() => topk.decode(new Uint8Array([...p, 0]), 100), 'length-mismatch');
  rejects(() => topk.decode(p.subarray(0, 3), 100), 'truncated');
  const lastIndex = Array.from(topk.decode(p, 100)).findLastIndex((v) => v !== 0);
  rejects(() => topk.decode(p, lastIndex), 'bad-index'); // the last index is out of range for d = lastIndex
  const dup = p.slice();
  dup[dup.length - 1] = 0; // last delta 0: not strictly increasing
  rejects(() => topk.decode(dup, 100), 'bad-index');
  const fmt = p.slice();
  fmt[4] = 7;
  rejects(() => topk.decode(fmt, 100), 'bad-payload');

  const int8 = getCodec({ name: 'int8', blockSize: 10 });
  const q = int8.encode(x, 0);
  const neg = q.slice();
  new DataView(neg.buffer).setFloat32(4, -1, true);
  rejects(() => int8.decode(neg, 100), 'bad-payload');
  const zeroBlock = q.slice();
  zeroBlock.fill(0, 0, 4);
  rejects(() => int8.decode(zeroBlock, 100), 'bad-payload');
  const m128 = q.slice();
  m128[m128.length - 1] = 0x80;
  rejects(() => int8.decode(m128, 100), 'bad-payload');
  rejects(() => int8.decode(q, 101), 'length-mismatch');

  const qsgd = getCodec({ name: 'qsgd', levels: 2, bucketSize: 100 });
  const r = qsgd.encode(x, 0);
  const badCode = r.slice();
  badCode[10] = 0xff; // 3-bit codes 7 > 2s = 4
  rejects(() => qsgd.decode(badCode, 100), 'bad-payload');
  const badLevels = r.slice();
  badLevels[0] = 0;
  badLevels[1] = 0;
  rejects(() => qsgd.decode(badLevels, 100), 'bad-payload');

  rejects(() => decodePayload(42, q, 100), 'unknown-codec');
  rejects(() => decodePayload(0, q, -1), 'bad-argument');
});

test('parseCodecConfig fills defaults and names the bad key', () => {
  assert.deepEqual(parseCodecConfig({ name: 'topk' }), { name: 'topk', fraction: 0.01, values: 'fp32' });
  assert.deepEqual(parseCodecConfig('sign'), { name: 'sign', blockSize: 256 });
  assert.deepEqual(parseCodecConfig({ name: 'qsgd', levels: 8 }), { name: 'qsgd', levels: 8, bucketSize: 512 });
  assert.deepEqual(parseCodecConfig({ name: 'randk', k: 7 }), { name: 'randk', k: 7, rescale: true });
  const bad: Array<[unknown, RegExp]> = [
    [null, /: codec: must be an object like .* or a codec name, got null$/],
    [{ name: 'zip' }, /: codec\.name: must be one of "none", "fp16", .*"layered", got "zip"$/],
    ['zip', /: codec: must be one of "none"/],
    [{ name: 'qsgd' }, /: codec\.levels: must be an integer from 1 to 32767, got nothing$/],
    [{ name: 'qsgd', levels: 0 }, /: codec\.levels: .*got 0$/],
    [{ name: 'topk', fraction: 2 }, /: codec\.fraction: must be a number in \(0, 1\], got 2$/],
    [{ name: 'topk', fraction: 0.1, k: 3 }, /: codec\.k: must be absent when "fraction" is given/],
    [{ name: 'topk', values: 'bf16' }, /: codec\.values: must be "fp16" or "fp32", got "bf16"$/],
    [{ name: 'randk', rescale: 'yes' }, /: codec\.rescale: must be true or false, got "yes"$/],
    [{ name: 'int8', blockSize: 1.5 }, /: codec\.blockSize: must be an integer from 1 to 4294967295, got 1\.5$/],
    [{ name: 'int8', block: 16 }, /: codec: unknown key "block" for codec "int8" \(allowed: name, blockSize\)$/],
  ];
  for (const [input, msg] of bad) assert.throws(() => parseCodecConfig(input), msg);
  assert.throws(() => getCodec({ name: 'qsgd', levels: -1 }), /codec\.levels/);
});

test('int8 adds a payload straight into a copy: the same float32 sums as decoding first, after the same checks', () => {
  const rng = new Rng(5);
  const bits = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
  for (const [d, blockSize] of [
    [1000, 256],
    [37, 7],
    [5, 10],
  ] as const) {
    const int8 = getCodec({ name: 'int8', blockSize });
    const x = Float32Array.from({ length: d }, () => rng.gaussian() * 0.03);
    const copy = Float32Array.from({ length: d }, () => rng.gaussian());
    // An odd offset inside a Buffer, as a payload sliced from a received frame.
    const payload = int8.encode(x, 0);
    const framed = Buffer.alloc(payload.length + 3);
    framed.set(payload, 3);
    const viaDecode = copy.slice();
    const decoded = int8.decode(payload, d);
    for (let i = 0; i < d; i++) viaDecode[i] = viaDecode[i]! + decoded[i]!;
    const viaAdd = copy.slice();
    const addTo = checkedPayloadAdder(CODEC_IDS.int8, framed.subarray(3), d);
    assert.ok(addTo, 'int8 has an adder');
    addTo(viaAdd);
    assert.deepEqual(bits(viaAdd), bits(viaDecode), `d ${d}, block ${blockSize}`);
    const sender = copy.slice();
    int8.adderFor!(payload, d)(sender);
    assert.deepEqual(bits(sender), bits(viaDecode));

    const m128 = payload.slice();
    m128[m128.length - 1] = 0x80;
    const nanScale = payload.slice();
    new DataView(nanScale.buffer).setFloat32(4, Number.NaN, true);
    for (const [bad, reason] of [
      [m128, 'bad-payload'],
      [nanScale, 'non-finite'],
      [payload.subarray(0, payload.length - 1), 'length-mismatch'],
    ] as const) {
      rejects(() => checkedPayloadAdder(CODEC_IDS.int8, bad, d), reason);
      const untouched = copy.slice();
      rejects(() => int8.adderFor!(bad, d)(untouched), reason);
      assert.deepEqual(bits(untouched), bits(copy), `a ${reason} payload leaves the copy unchanged`);
    }
  }
  assert.equal(checkedPayloadAdder(CODEC_IDS.none, new Uint8Array(8), 2), undefined, 'other codecs decode first');
});
