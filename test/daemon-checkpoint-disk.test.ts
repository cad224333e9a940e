/** Checkpoints through the file system, as a restarted daemon reads them: values, not kinds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  outerStateNote,
  saveCheckpoint,
  type Checkpoint,
} from '../src/daemon/checkpoint.ts';
import { Rng } from '../src/util/rng.ts';

function randomCheckpoint(d: number, seed: number, optimizer: 'sgd' | 'momentum' | 'adam', outer = false): Checkpoint {
  const rng = new Rng(seed);
  const v = (): Float32Array => rng.gaussianVector(d);
  const slots = { sgd: 0, momentum: 1, adam: 2 }[optimizer];
  const node = { round: 4242, seq: 99_001, params: v(), publicCopy: v() };
  return {
    specHash: 'a1b2c3d4e5f60718',
    node: outer ? { ...node, outer: { anchor: v(), velocity: v() } } : node,
    learner: {
      optimizer: { type: optimizer, step: 777, slots: Array.from({ length: slots }, v) },
      samplesDrawn: 123_456,
    },
  };
}

function bitsEqual(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++)
    if (ua[i] !== ub[i]) assert.fail(`${what}[${i}]: ${a[i]} written, ${b[i]} read back`);
}

test('saveCheckpoint → loadCheckpoint from disk is bit-exact for every vector (aligned and unaligned sizes)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gl-ckpt-disk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'checkpoint.bin');
  let seed = 1;
  for (const d of [1, 3, 7, 101, 4096, 101_770]) {
    const kinds = [
      ['sgd', false],
      ['momentum', false],
      ['adam', false],
      ['momentum', true],
      ['adam', true],
    ] as const;
    for (const [opt, outer] of kinds) {
      const c = randomCheckpoint(d, seed++, opt, outer);
      saveCheckpoint(path, c);
      assert.equal(readFileSync(path).readUInt32LE(4), outer ? 2 : 1, `d=${d} ${opt} outer=${outer}: format version`);
      const r = loadCheckpoint(path, { specHash: c.specHash, paramCount: d, optimizer: opt });
      if (r.kind !== 'ok') assert.fail(`d=${d} ${opt}: ${r.kind === 'rejected' ? r.reason : r.kind}`);
      const back = r.checkpoint;
      if (c.node.outer) {
        assert.ok(back.node.outer, `d=${d} ${opt}: the outer state was read back`);
        bitsEqual(back.node.outer.anchor, c.node.outer.anchor, `d=${d} ${opt} outer.anchor`);
        bitsEqual(back.node.outer.velocity, c.node.outer.velocity, `d=${d} ${opt} outer.velocity`);
      } else assert.equal(back.node.outer, undefined, `d=${d} ${opt}: no outer state appears`);
      bitsEqual(back.node.params, c.node.params, `d=${d} ${opt} params`);
      bitsEqual(back.node.publicCopy, c.node.publicCopy, `d=${d} ${opt} publicCopy`);
      assert.equal(back.learner.optimizer.slots.length, c.learner.optimizer.slots.length);
      back.learner.optimizer.slots.forEach((s, k) =>
        bitsEqual(s, c.learner.optimizer.slots[k]!, `d=${d} ${opt} slot ${k}`),
      );
      assert.deepEqual(
        {
          round: back.node.round,
          seq: back.node.seq,
          step: back.learner.optimizer.step,
          drawn: back.learner.samplesDrawn,
        },
        { round: 4242, seq: 99_001, step: 777, drawn: 123_456 },
      );
    }
  }
});

test('a checkpoint with NaN in it and a valid CRC is refused from disk', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gl-ckpt-nan-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'checkpoint.bin');
  const c = randomCheckpoint(64, 9, 'momentum');
  const bytes = encodeCheckpoint(c);
  // Overwrite the last float of the optimizer slot with NaN, then recompute the CRC so only the value is wrong.
  const view = new DataView(bytes.buffer);
  view.setFloat32(bytes.length - 8, NaN, true);
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  writeFileSync(path, bytes);
  const r = loadCheckpoint(path, { specHash: c.specHash, paramCount: 64, optimizer: 'momentum' });
  assert.equal(r.kind, 'rejected');
  assert.match((r as { reason: string }).reason, /non-finite value in vector 2 at index 63/);
  assert.deepEqual(new Uint8Array(readFileSync((r as { movedTo: string }).movedTo)), bytes);
});

/** The version-1 layout as earlier builds wrote it, built here byte by byte (not with the encoder). */
function v1Bytes(c: Checkpoint): Uint8Array {
  const o = c.learner.optimizer;
  const header = JSON.stringify({
    v: 1,
    specHash: c.specHash,
    round: c.node.round,
    seq: c.node.seq,
    paramCount: c.node.params.length,
    optimizer: { type: o.type, step: o.step, slots: o.slots.length },
    samplesDrawn: c.learner.samplesDrawn,
  });
  const floats = [c.node.params, c.node.publicCopy, ...o.slots].flatMap((v) => [...v]);
  const body = Buffer.alloc(4 * floats.length);
  floats.forEach((x, i) => body.writeFloatLE(x, 4 * i));
  const head = Buffer.alloc(12);
  head.write('GLCK', 0, 'latin1');
  head.writeUInt32LE(1, 4);
  head.writeUInt32LE(Buffer.byteLength(header), 8);
  const data = Buffer.concat([head, Buffer.from(header, 'utf8'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(data));
  return new Uint8Array(Buffer.concat([data, crc]));
}

test('a v1 checkpoint (the old layout) still loads from disk; a state without outer is still written as v1', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gl-ckpt-v1-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'checkpoint.bin');
  const c = randomCheckpoint(37, 11, 'adam');
  const fixture = v1Bytes(c);
  writeFileSync(path, fixture);
  const r = loadCheckpoint(path, { specHash: c.specHash, paramCount: 37, optimizer: 'adam' });
  if (r.kind !== 'ok') assert.fail(r.kind === 'rejected' ? r.reason : r.kind);
  const back = r.checkpoint;
  assert.deepEqual(Object.keys(back.node).sort(), ['params', 'publicCopy', 'round', 'seq'], 'no outer state in v1');
  bitsEqual(back.node.params, c.node.params, 'params');
  bitsEqual(back.node.publicCopy, c.node.publicCopy, 'publicCopy');
  back.learner.optimizer.slots.forEach((s, k) => bitsEqual(s, c.learner.optimizer.slots[k]!, `slot ${k}`));
  assert.deepEqual(
    {
      specHash: back.specHash,
      round: back.node.round,
      seq: back.node.seq,
      drawn: back.learner.samplesDrawn,
      type: back.learner.optimizer.type,
      step: back.learner.optimizer.step,
    },
    { specHash: c.specHash, round: 4242, seq: 99_001, drawn: 123_456, type: 'adam', step: 777 },
  );
  assert.deepEqual(encodeCheckpoint(c), fixture, 'the encoder writes a state without outer byte for byte as v1');
  // A node with `outer` resuming this file starts the outer optimizer from the model; one without has nothing to say.
  assert.match(outerStateNote(back, true) ?? '', /no outer-optimizer state.*momentum 0/);
  assert.equal(outerStateNote(back, false), null);
});

/** Rewrite a checkpoint's header (its JSON) and fix up the length and CRC, so only the header is wrong. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const b = Buffer.from(bytes);
  const len = b.readUInt32LE(8);
  const h = JSON.parse(b.subarray(12, 12 + len).toString('utf8')) as Record<string, unknown>;
  edit(h);
  const json = Buffer.from(JSON.stringify(h), 'utf8');
  const data = Buffer.concat([b.subarray(0, 12), json, b.subarray(12 + len, b.length - 4)]);
  data.writeUInt32LE(json.length, 8);
  if (typeof h.v === 'number') data.writeUInt32LE(h.v, 4);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(data));
  return new Uint8Array(Buffer.concat([data, crc]));
}

test('version 2: the header names the outer vectors; wrong names, counts, lengths and values are refused', () => {
  const c = randomCheckpoint(16, 21, 'momentum', true);
  const bytes = encodeCheckpoint(c);
  const len = Buffer.from(bytes).readUInt32LE(8);
  const json = Buffer.from(bytes.subarray(12, 12 + len)).toString('utf8');
  const header = JSON.parse(json) as { v: number; extra: string[] };
  assert.deepEqual({ v: header.v, extra: header.extra }, { v: 2, extra: ['outer.anchor', 'outer.velocity'] });
  assert.equal(bytes.length, 12 + len + 4 * 16 * 5 + 4, 'params, public copy, one slot, anchor, velocity');
  const refused = (b: Uint8Array, re: RegExp): void =>
    void assert.throws(
      () => decodeCheckpoint(b),
      (e: Error) => e instanceof CheckpointError && re.test(e.message),
    );
  const swapped = withHeader(bytes, (h) => (h.extra = ['outer.velocity', 'outer.anchor']));
  refused(swapped, /extra vectors .*known are none, or outer.anchor, outer.velocity/);
  refused(
    withHeader(bytes, (h) => (h.extra = ['outer.anchor'])),
    /extra vectors/,
  );
  refused(
    withHeader(bytes, (h) => (h.extra = 'outer')),
    /extra vectors/,
  );
  refused(
    withHeader(bytes, (h) => delete h.extra),
    /extra vectors/,
  );
  // A v1 header naming extra vectors, and a v2 header with none but a body that still holds them.
  refused(
    withHeader(bytes, (h) => (h.v = 1)),
    /version-1 header has no extra vectors/,
  );
  refused(
    withHeader(bytes, (h) => (h.extra = [])),
    /body has \d+ bytes, header implies/,
  );
  refused(
    withHeader(bytes, (h) => (h.v = 3)),
    /version 3, this build reads 1 and 2/,
  );
  const flipped = bytes.slice();
  flipped[bytes.length - 10] = flipped[bytes.length - 10]! ^ 0x01;
  refused(flipped, /CRC32/);
  // NaN in the last velocity value with a valid CRC: the reason names the vector.
  const nan = bytes.slice();
  const view = new DataView(nan.buffer);
  view.setFloat32(nan.length - 8, NaN, true);
  view.setUint32(nan.length - 4, crc32(nan.subarray(0, nan.length - 4)), true);
  refused(nan, /non-finite value in vector 4 at index 15 \(outer\.velocity\)/);
  const short = { anchor: new Float32Array(16), velocity: new Float32Array(15) };
  assert.throws(() => encodeCheckpoint({ ...c, node: { ...c.node, outer: short } }), RangeError);
  // Outer state for a node configured without `outer`: resumed, the state dropped, and said so.
  assert.match(outerStateNote(decodeCheckpoint(bytes), false) ?? '', /config has no `outer`: that state is dropped/);
  assert.equal(outerStateNote(decodeCheckpoint(bytes), true), null);
});
