import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChocoReceiver, ChocoSender, decodeFrame, encodeFrame, getCodec } from '../src/compress/index.ts';
import type { CodecConfig } from '../src/compress/index.ts';
import { Rng, deriveSeed } from '../src/util/rng.ts';

const SPEC = '00112233aabbccdd';

const gaussian = (d: number, seed: number): Float32Array => new Rng(seed).gaussianVector(d);

test('sender and receiver public copies stay bit-identical through frames, for every codec', () => {
  const d = 777;
  const configs: CodecConfig[] = [
    { name: 'none' },
    { name: 'fp16' },
    { name: 'int8' },
    { name: 'qsgd', levels: 64, bucketSize: 256 },
    { name: 'topk', fraction: 0.05 },
    { name: 'topk', fraction: 0.05, values: 'fp16' },
    { name: 'randk', fraction: 0.1, rescale: false },
    { name: 'sign', blockSize: 64 },
  ];
  for (const cfg of configs) {
    const codec = getCodec(cfg);
    {
      const sender = new ChocoSender(d);
      const receiver = new ChocoReceiver(d);
      const x = gaussian(d, 1);
      for (let round = 1; round <= 30; round++) {
        // The model drifts a little every round, as under training.
        const drift = gaussian(d, round);
        for (let i = 0; i < d; i++) x[i] = x[i]! + 0.05 * drift[i]!;
        const { payload, seq } = sender.makeUpdate(x, codec, deriveSeed(9, round));
        assert.equal(seq, round);
        const frame = encodeFrame({
          codecId: codec.id,
          sender: 'a',
          round,
          seq,
          paramCount: d,
          specHash: SPEC,
          payload,
        });
        const { header, values } = decodeFrame(frame, { paramCount: d, specHash: SPEC, maxBytes: 1 << 20 });
        assert.equal(receiver.apply(values, header.seq), 'ok');
      }
      assert.deepEqual(receiver.publicCopy, sender.publicCopy, codec.label);
      assert.equal(receiver.lastSeq, 30);
      // The public copy tracks x.
      {
        let err = 0;
        let norm = 0;
        for (let i = 0; i < d; i++) {
          err += (x[i]! - sender.publicCopy[i]!) ** 2;
          norm += x[i]! ** 2;
        }
        assert.ok(err < norm, `${codec.label}: ${err} vs ${norm}`);
      }
    }
  }
});

test('receiver detects duplicates and gaps, refuses to diverge, and recovers from a full resync', () => {
  const d = 50;
  const codec = getCodec({ name: 'topk', k: 5 });
  const sender = new ChocoSender(d);
  const receiver = new ChocoReceiver(d);
  const updates = [];
  for (let r = 0; r < 6; r++) {
    const { payload, seq } = sender.makeUpdate(gaussian(d, r), codec, r);
    updates.push({ values: codec.decode(payload, d), payload, seq });
  }
  assert.equal(receiver.apply(updates[0]!.values, 1), 'ok');
  assert.equal(receiver.apply(updates[1]!.values, 2), 'ok');
  assert.equal(receiver.apply(updates[1]!.values, 2), 'duplicate');
  assert.equal(receiver.apply(updates[0]!.values, 1), 'duplicate');
  const before = receiver.publicCopy.slice();
  // Update 3 is lost.
  assert.equal(receiver.needsResync, false);
  assert.equal(receiver.apply(updates[3]!.values, 4), 'gap');
  assert.equal(receiver.needsResync, true);
  assert.equal(receiver.apply(updates[4]!.values, 5), 'gap');
  assert.deepEqual(receiver.publicCopy, before);
  assert.equal(receiver.lastSeq, 2);
  // Resync from the sender's snapshot, then continue normally.
  const snap = sender.snapshot();
  receiver.resetFromFull(snap.params, snap.seq);
  assert.equal(receiver.needsResync, false);
  assert.equal(receiver.lastSeq, 6);
  assert.deepEqual(receiver.publicCopy, sender.publicCopy);
  const next = sender.makeUpdate(gaussian(d, 7), codec, 7);
  assert.equal(receiver.apply(codec.decode(next.payload, d), next.seq), 'ok');
  assert.deepEqual(receiver.publicCopy, sender.publicCopy);
  assert.equal(receiver.lastSeq, 7);
  assert.throws(() => receiver.apply(new Float32Array(3), 8), RangeError);
  assert.throws(() => receiver.apply(new Float32Array(d), -1), RangeError);
});

test('sender snapshot/restore continues the same sequence', () => {
  const d = 20;
  const codec = getCodec('fp16');
  const a = new ChocoSender(d, gaussian(d, 1));
  a.makeUpdate(gaussian(d, 2), codec, 0);
  const b = new ChocoSender(d);
  b.restore(a.snapshot());
  const x = gaussian(d, 3);
  assert.deepEqual(a.makeUpdate(x, codec, 1), b.makeUpdate(x, codec, 1));
  assert.deepEqual(a.publicCopy, b.publicCopy);
});

test('makeUpdate with maxResidual: a residual past it makes no update and changes nothing', () => {
  const d = 50;
  const codec = getCodec({ name: 'topk', fraction: 0.2 });
  const start = gaussian(d, 4);
  const s = new ChocoSender(d, start);
  const near = start.map((v, i) => v + 0.01 * Math.sin(i));
  const far = start.map((v) => -v);
  assert.equal(s.makeUpdate(far, codec, 1, 0.3), null);
  assert.equal(s.lastSeq, 0);
  assert.deepEqual(s.publicCopy, start);
  const made = s.makeUpdate(near, codec, 1, 0.3);
  assert.ok(made);
  assert.equal(made.seq, 1);
  const plain = new ChocoSender(d, start).makeUpdate(near, codec, 1);
  assert.deepEqual(made.payload, plain.payload, 'the same payload as without the check');
});

test('CHOCO-gossip average consensus on a ring with top-k 10% converges to the mean', () => {
  const n = 8;
  const d = 400;
  const codec = getCodec({ name: 'topk', fraction: 0.1 });
  const x = Array.from({ length: n }, (_, i) => gaussian(d, 100 + i));
  const mean = new Float64Array(d);
  for (const xi of x) for (let j = 0; j < d; j++) mean[j]! += xi[j]! / n;
  const senders = x.map(() => new ChocoSender(d));
  // receivers[i][j]: node i's copy of neighbour j (ring: i-1 and i+1), uniform weights 1/3.
  const neighbours = (i: number) => [(i + n - 1) % n, (i + 1) % n];
  const receivers = x.map((_, i) => new Map(neighbours(i).map((j) => [j, new ChocoReceiver(d)])));
  const spread = () => {
    let s = 0;
    for (const xi of x) for (let j = 0; j < d; j++) s += (xi[j]! - mean[j]!) ** 2;
    return Math.sqrt(s / n);
  };
  const initial = spread();
  for (let round = 1; round <= 600; round++) {
    const msgs = senders.map((s, i) => s.makeUpdate(x[i]!, codec, deriveSeed(4, i, round)));
    for (let i = 0; i < n; i++) {
      for (const [j, rcv] of receivers[i]!)
        assert.equal(rcv.apply(codec.decode(msgs[j]!.payload, d), msgs[j]!.seq), 'ok');
    }
    // The consensus step x ← x + γ Σ_j w_j (x̂_j − x̂_self), with γ = 0.3.
    for (let i = 0; i < n; i++) {
      const self = senders[i]!.publicCopy;
      for (const r of receivers[i]!.values()) {
        for (let j = 0; j < d; j++) x[i]![j] = x[i]![j]! + 0.3 * (1 / 3) * (r.publicCopy[j]! - self[j]!);
      }
    }
  }
  const final = spread();
  assert.ok(final < initial * 1e-3, `spread ${initial} -> ${final}`);
  // The average is preserved (symmetric weights), so the nodes agree on the right value.
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (const xi of x) m += xi[j]! / n;
    assert.ok(Math.abs(m - mean[j]!) < 1e-4);
  }
});

test('makeUpdate refuses non-contractive codecs', () => {
  const d = 10;
  const sender = new ChocoSender(d);
  assert.throws(() => sender.makeUpdate(gaussian(d, 1), getCodec({ name: 'randk', k: 2 }), 0), /not contractive/);
  assert.throws(() => sender.makeUpdate(gaussian(d, 1), getCodec({ name: 'qsgd', levels: 1 }), 0), /not contractive/);
  assert.equal(sender.lastSeq, 0);
});

/**
 * CHOCO public copies applied to gradients are EF21 (Richtárik et al. 2021): each worker sends
 * C(∇f_i(w) − ĝ_i) and everyone advances ĝ_i by it. On the heterogeneous quadratic where plain
 * top-k stalls, this converges linearly with a constant step.
 */
test('EF21 via public copies: top-k 1% gradient descent on a heterogeneous quadratic converges', () => {
  const d = 1000;
  const n = 4;
  const codec = getCodec({ name: 'topk', fraction: 0.01 });
  const b = Array.from({ length: n }, (_, i) => gaussian(d, 50 + i));
  const wStar = new Float32Array(d);
  for (const bi of b) for (let j = 0; j < d; j++) wStar[j] = wStar[j]! + bi[j]! / n;
  const senders = b.map(() => new ChocoSender(d));
  const server = b.map(() => new ChocoReceiver(d));
  const w = new Float32Array(d);
  const g = new Float32Array(d);
  const rel = () => {
    let e = 0;
    let s = 0;
    for (let j = 0; j < d; j++) {
      e += (w[j]! - wStar[j]!) ** 2;
      s += wStar[j]! ** 2;
    }
    return Math.sqrt(e / s);
  };
  for (let t = 0; t < 6000; t++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) g[j] = w[j]! - b[i]![j]!;
      const m = senders[i]!.makeUpdate(g, codec, t);
      assert.equal(server[i]!.apply(codec.decode(m.payload, d), m.seq), 'ok');
    }
    for (let j = 0; j < d; j++) {
      let avg = 0;
      for (let i = 0; i < n; i++) avg += server[i]!.publicCopy[j]!;
      w[j] = w[j]! - 0.004 * (avg / n);
    }
  }
  assert.ok(rel() < 1e-4, `relative error ${rel()}`);
});
