import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
} from '../src/daemon/checkpoint.ts';
import { parseDaemonConfig } from '../src/daemon/config.ts';
import { ConfigError } from '../src/util/validate.ts';

const PEER = '12D3KooWEhh23FUrqmjdQDdcSm2Z8cbKinbEwpjCxcoLsP5p8qXV';
const minimal = { dataDir: 'data', learning: { partitionIndex: 0, partitionCount: 4 } };

function withOverrides(o: Record<string, unknown>, learning: Record<string, unknown> = {}): unknown {
  return { ...minimal, ...o, learning: { ...minimal.learning, ...learning } };
}

test('a minimal config gets safe defaults: loopback, no mDNS, no DHT, dataDir beside the file', () => {
  const c = parseDaemonConfig(minimal, 'node.json', '/etc/gl');
  assert.deepEqual(c.listen, ['/ip4/127.0.0.1/tcp/0']);
  assert.equal(c.http.host, '127.0.0.1');
  assert.equal(c.mdns, false);
  assert.equal(c.dht, false);
  assert.equal(c.neighbours, 'auto');
  assert.equal(c.dataDir, '/etc/gl/data');
  assert.equal(c.task.node.codec.name, 'none');
  assert.equal(c.learning.rounds, 0);
});

test('config errors are one line naming the file and the key', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ learning: minimal.learning }, /^node\.json: dataDir: Required/],
    [
      withOverrides({}, { partitionIndex: 4 }),
      /^node\.json: learning\.partitionIndex: must be below partitionCount \(4\), got 4$/,
    ],
    [withOverrides({ bootstrap: ['not-an-address'] }), /^node\.json: bootstrap\.0: expected a multiaddr/],
    [
      withOverrides({ bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }),
      /^node\.json: bootstrap\.0: expected a multiaddr ending in \/p2p\/<peer id>/,
    ],
    [withOverrides({ neighbours: ['bob'] }), /^node\.json: neighbours/],
    [withOverrides({ http: { port: 70000 } }), /^node\.json: http\.port: /],
    [withOverrides({ mdsn: true }), /^node\.json: \(root\): Unrecognized key\(s\) in object: 'mdsn'/],
    [withOverrides({ task: { node: { localSteps: -1 } } }), /^node\.json: task\.node\.localSteps: /],
    [withOverrides({ task: { node: { deadline: { capMs: 0 } } } }), /^node\.json: task\.node\.deadline\.capMs: /],
    [withOverrides({ task: { node: { codec: { name: 'zip' } } } }), /^node\.json: task\.node\.codec\.name: /],
    [withOverrides({ task: { dataset: { type: 'cifar' } } }), /^node\.json: task\.dataset\.type: /],
    // The old layout: the task's keys inside `learning`.
    [withOverrides({}, { model: { type: 'logreg' } }), /^node\.json: learning\.model: moved to task\.model$/],
    [withOverrides({}, { node: { localSteps: 5 } }), /^node\.json: learning\.node: moved to task\.node$/],
  ];
  for (const [input, re] of cases) {
    assert.throws(
      () => parseDaemonConfig(input, 'node.json'),
      (e: Error) => e instanceof ConfigError && re.test(e.message) && !e.message.includes('\n'),
      JSON.stringify(input),
    );
  }
  assert.doesNotThrow(() =>
    parseDaemonConfig(
      withOverrides({ neighbours: [PEER], bootstrap: [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`] }),
      'node.json',
    ),
  );
});

function sample(d = 5): Checkpoint {
  const v = (k: number): Float32Array => Float32Array.from({ length: d }, (_, i) => k + i / 10);
  return {
    specHash: '0123456789abcdef',
    node: { round: 12, seq: 30, params: v(1), publicCopy: v(2) },
    learner: { optimizer: { type: 'momentum', step: 120, slots: [v(3)] }, samplesDrawn: 3840 },
  };
}

test('a checkpoint round-trips; corruption, truncation and bad fields are refused', () => {
  const c = sample();
  const bytes = encodeCheckpoint(c);
  const back = decodeCheckpoint(bytes);
  assert.deepEqual(back.node, c.node);
  assert.deepEqual(back.learner, c.learner);
  assert.equal(back.specHash, c.specHash);
  const flipped = bytes.slice();
  flipped[40] = flipped[40]! ^ 0xff;
  assert.throws(
    () => decodeCheckpoint(flipped),
    (e: Error) => e instanceof CheckpointError && /CRC32/.test(e.message),
  );
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 9)), CheckpointError);
  assert.throws(() => decodeCheckpoint(new TextEncoder().encode('hello world, not a checkpoint')), /bad magic/);
  const nan = sample();
  nan.node.params[2] = NaN;
  assert.throws(() => decodeCheckpoint(encodeCheckpoint(nan)), /non-finite/);
});

test('an unusable checkpoint file is moved aside with the reason, never silently overwritten', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gl-ckpt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'checkpoint.bin');
  const expect = { specHash: '0123456789abcdef', paramCount: 5, optimizer: 'momentum' };
  assert.deepEqual(loadCheckpoint(path, expect), { kind: 'none' });
  saveCheckpoint(path, sample());
  const ok = loadCheckpoint(path, expect);
  assert.equal(ok.kind, 'ok');
  const other = loadCheckpoint(path, { ...expect, specHash: 'ffffffffffffffff' });
  assert.equal(other.kind, 'rejected');
  assert.match((other as { reason: string }).reason, /model spec 0123456789abcdef/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('checkpoint.bin.rejected-')).length, 1);
  writeFileSync(path, 'garbage');
  const bad = loadCheckpoint(path, expect);
  assert.equal(bad.kind, 'rejected');
  assert.equal(readFileSync((bad as { movedTo: string }).movedTo, 'utf8'), 'garbage');
  assert.deepEqual(loadCheckpoint(path, expect), { kind: 'none' });
});
