/** Checkpoints through the file system, as a restarted daemon reads them: values, not kinds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { encodeCheckpoint, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../src/daemon/checkpoint.ts';
import { Rng } from '../src/util/rng.ts';

function randomCheckpoint(d: number, seed: number, optimizer: 'sgd' | 'momentum' | 'adam'): Checkpoint {
  const rng = new Rng(seed);
  const v = (): Float32Array => rng.gaussianVector(d);
  const slots = { sgd: 0, momentum: 1, adam: 2 }[optimizer];
  return {
    specHash: 'a1b2c3d4e5f60718',
    node: { round: 4242, seq: 99_001, params: v(), publicCopy: v() },
    learner: { optimizer: { type: optimizer, step: 777, slots: Array.from({ length: slots }, v) }, samplesDrawn: 123_456 },
  };
}

function bitsEqual(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) assert.fail(`${what}[${i}]: ${a[i]} written, ${b[i]} read back`);
}

test('saveCheckpoint → loadCheckpoint from disk is bit-exact for every vector (sizes that do and do not align)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gl-ckpt-disk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'checkpoint.bin');
  let seed = 1;
  for (const d of [1, 3, 7, 101, 4096, 101_770]) {
    for (const opt of ['sgd', 'momentum', 'adam'] as const) {
      const c = randomCheckpoint(d, seed++, opt);
      saveCheckpoint(path, c);
      const r = loadCheckpoint(path, { specHash: c.specHash, paramCount: d, optimizer: opt });
      if (r.kind !== 'ok') assert.fail(`d=${d} ${opt}: ${r.kind === 'rejected' ? r.reason : r.kind}`);
      const back = r.checkpoint;
      bitsEqual(back.node.params, c.node.params, `d=${d} ${opt} params`);
      bitsEqual(back.node.publicCopy, c.node.publicCopy, `d=${d} ${opt} publicCopy`);
      assert.equal(back.learner.optimizer.slots.length, c.learner.optimizer.slots.length);
      back.learner.optimizer.slots.forEach((s, k) => bitsEqual(s, c.learner.optimizer.slots[k]!, `d=${d} ${opt} slot ${k}`));
      assert.deepEqual(
        { round: back.node.round, seq: back.node.seq, step: back.learner.optimizer.step, drawn: back.learner.samplesDrawn },
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
