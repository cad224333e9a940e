/**
 * Manifests: every file in testnets/ is valid, the task hash is canonical and checked, bad input gets one line
 * naming the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDaemonConfig } from '../src/daemon/config.ts';
import { readPskFile, writePskFile } from '../src/p2p/psk.ts';
import { decodeHeartbeat, encodeHeartbeat, type MemberBeat } from '../src/testnet/heartbeat.ts';
import { joinConfig, shardOf } from '../src/testnet/join-config.ts';
import { parseTaskSpec, taskHash } from '../src/task/spec.ts';
import { loadManifest, parseManifest } from '../src/testnet/manifest.ts';
import { canonicalJson } from '../src/util/canonical-json.ts';
import { parseJoinDocument } from '../src/web/join-info.ts';
import { ConfigError } from '../src/util/validate.ts';

const PEER = '12D3KooWNcUsxZ5oEmsPdpgA2DUUxbELq9wn7qmKNpnqFid7JwCJ';
const OTHER = '12D3KooWCd5egBKpKu5qoTQTLafgZiBwEyE2KjzNhamyS4QMR6hZ';
const TASK = {
  model: { type: 'logreg' },
  dataset: { type: 'synthetic', samples: 500, dim: 4, classes: 2 },
  partition: { type: 'iid' },
};
const base = { network: 'unit', protocolVersion: 1, task: TASK, shards: 4 };

test('every manifest in testnets/ is valid and joinable', () => {
  const files = readdirSync('testnets').filter((f) => f.endsWith('.json'));
  assert.ok(files.includes('local.json'));
  for (const f of files) {
    const m = loadManifest(join('testnets', f));
    assert.match(m.taskHash, /^[0-9a-f]{16}$/);
    const joiner = joinConfig(m, {
      dataDir: '/tmp/x',
      peerId: PEER,
      relayOnly: false,
      http: { host: '127.0.0.1', port: 0 },
      rounds: 0,
      logLevel: 'info',
    });
    const c = parseDaemonConfig(joiner, f);
    assert.deepEqual(joiner.task, m.rawTask, 'the member config embeds the manifest task unchanged');
    assert.deepEqual(c.task, m.task, 'and parses to the same TaskSpec');
    assert.equal(c.learning.partitionCount, m.shards);
  }
});

test('task hash = SHA-256 of canonical TaskSpec + shards: content counts, not key order or spelt-out defaults', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
  const hash = (task: unknown, shards = 4): string => taskHash(parseTaskSpec(task, 't'), shards);
  const reordered = { partition: TASK.partition, dataset: TASK.dataset, model: TASK.model };
  assert.equal(hash(reordered), hash(TASK));
  assert.equal(hash({ ...TASK, seed: 1, node: { localSteps: 10 } }), hash(TASK), 'defaults written out');
  assert.notEqual(hash({ ...TASK, seed: 2 }), hash(TASK));
  assert.notEqual(hash(TASK, 5), hash(TASK));
  assert.equal(parseManifest({ ...base, taskHash: hash(TASK) }, 'm.json').taskHash, hash(TASK));
});

test('bad manifests are refused in one line naming the file and the key', () => {
  const bad: Array<[unknown, RegExp]> = [
    [
      { ...base, taskHash: '0123456789abcdef' },
      /^m\.json: taskHash: task and shards hash to [0-9a-f]{16}, the manifest states 0123456789abcdef/,
    ],
    [{ ...base, protocolVersion: 2 }, /^m\.json: protocolVersion: this node speaks testnet protocol 1/],
    [{ ...base, network: 'a/b' }, /^m\.json: network: /],
    [
      { ...base, bootstrap: ['/ip4/127.0.0.1/tcp/1'] },
      /^m\.json: bootstrap\.0: expected a multiaddr ending in \/p2p\//,
    ],
    [{ ...base, admission: { allowPeers: ['nope'] } }, /^m\.json: admission\.allowPeers\.0: /],
    [{ ...base, task: { ...TASK, model: { type: 'transformer' } } }, /^m\.json: task\.model\.type: /],
    [{ ...base, task: { ...TASK, node: { localSteps: -1 } } }, /^m\.json: task\.node\.localSteps: /],
    [{ ...base, task: { ...TASK, node: { deadline: { capMs: -1 } } } }, /^m\.json: task\.node\.deadline\.capMs: /],
    [
      { ...base, task: { ...TASK, node: { codec: { name: 'zip' } } } },
      /^m\.json: task\.node\.codec\.name: must be one of/,
    ],
    [{ ...base, shards: undefined }, /^m\.json: shards: Required/],
    // The old layout, one line saying where the key moved.
    [
      { ...base, task: { ...TASK, hyperparameters: { localSteps: 5 } } },
      /^m\.json: task\.hyperparameters: moved to task\.node$/,
    ],
    [{ ...base, task: { ...TASK, codec: { name: 'none' } } }, /^m\.json: task\.codec: moved to task\.node\.codec$/],
    [
      { ...base, task: { ...TASK, aggregation: { rule: 'mean' } } },
      /^m\.json: task\.aggregation: moved to task\.node\.aggregator$/,
    ],
    [
      { ...base, task: { ...TASK, partition: { rule: { type: 'iid' }, shards: 4 } } },
      /^m\.json: task\.partition\.rule: moved to task\.partition$/,
    ],
    [{ ...base, extra: 1 }, /^m\.json: \(root\): Unrecognized key/],
  ];
  for (const [input, re] of bad) {
    const err = (() => {
      try {
        parseManifest(input, 'm.json');
      } catch (e) {
        return e as Error;
      }
      assert.fail(`accepted ${JSON.stringify(input)}`);
    })();
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, re);
    assert.ok(!err.message.includes('\n'));
  }
});

test('PSK files: the swarm.key format is read, anything else refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gl-psk-'));
  try {
    writePskFile(join(dir, 'ok.psk'));
    assert.match(
      new TextDecoder().decode(readPskFile(join(dir, 'ok.psk'))),
      /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/,
    );
    writeFileSync(join(dir, 'bad.psk'), '/key/swarm/psk/1.0.0/\n/base16/\nabc\n');
    assert.throws(() => readPskFile(join(dir, 'bad.psk')), /bad\.psk: not a libp2p pre-shared key/);
    assert.throws(() => readPskFile(join(dir, 'missing.psk')), /missing\.psk: cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('heartbeats: well-formed and from their author, else dropped', () => {
  const beat: MemberBeat = {
    kind: 'member',
    v: 1,
    peerId: PEER,
    taskHash: '0123456789abcdef',
    round: 3,
    accuracy: 0.5,
    bytes: { sent: 1, received: 2 },
    accepted: 1,
    rejected: {},
    refused: [],
    neighbours: [{ id: OTHER, path: 'relayed' }],
    addrs: ['/ip4/127.0.0.1/tcp/1'],
  };
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat(beat), PEER), beat);
  assert.equal(decodeHeartbeat(encodeHeartbeat(beat), OTHER), null, 'forged author');
  assert.equal(decodeHeartbeat(encodeHeartbeat({ ...beat, round: -1 }), PEER), null);
  assert.equal(decodeHeartbeat(new TextEncoder().encode('{not json'), PEER), null);
  assert.equal(decodeHeartbeat(new Uint8Array(70_000), PEER), null);
});

test('a joiner shard is stable per peer id and in range', () => {
  assert.equal(shardOf(PEER, 16), shardOf(PEER, 16));
  for (const p of [PEER, OTHER]) assert.ok(shardOf(p, 5) < 5);
});

test('a tab parses a served manifest to the task and hash the daemon has', () => {
  for (const f of readdirSync('testnets').filter((x) => x.endsWith('.json'))) {
    const m = loadManifest(join('testnets', f));
    const { network, protocolVersion, rawTask, shards, heartbeatMs } = m;
    const served = { network, protocolVersion, task: rawTask, shards, heartbeatMs };
    const doc = { manifest: served, taskHash: m.taskHash, webSocketAddrs: [`/ip4/127.0.0.1/tcp/1/ws/p2p/${PEER}`] };
    const tab = parseJoinDocument(doc, f, m.taskHash);
    assert.equal(tab.taskHash, m.taskHash);
    assert.deepEqual(tab.task, m.task);
    assert.equal(tab.shards, m.shards);
    const otherShards = { ...doc, manifest: { ...served, shards: m.shards + 1 } };
    assert.throws(() => parseJoinDocument(otherShards, f, m.taskHash), /taskHash: /);
  }
});
