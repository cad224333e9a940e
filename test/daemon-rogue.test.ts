/**
 * A rogue peer (a raw libp2p host in this process) that one daemon lists as a neighbour publishes
 * malformed frames on its topic and forged ones on another's: the daemon rejects and counts each
 * by reason, the rogue's gossipsub score drops, and training goes on.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODEC_IDS, encodeFrame } from '../src/compress/index.ts';
import { Cluster, sleep, type NodeStatus } from '../src/cluster/cluster.ts';
import { GossipHost } from '../src/p2p/host.ts';
import { createIdentityFile } from '../src/p2p/identity.ts';
import { topicOf } from '../src/p2p/transport.ts';
import { pairLearning, pairTask, pairTopology } from './support/daemon-pair.ts';

const NETWORK = 'rogue-test';
const out = mkdtempSync(join(tmpdir(), 'gl-rogue-'));
let cluster: Cluster | null = null;
let rogue: GossipHost | null = null;

after(async () => {
  await cluster?.stopAll(5000);
  await rogue?.stop();
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

test('malformed and forged frames from a rogue neighbour are rejected, counted and penalised; training goes on', {
  timeout: 90_000,
}, async () => {
  const identity = await createIdentityFile(join(out, 'rogue.key'));
  rogue = await GossipHost.create({
    privateKey: identity.privateKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    mdns: false,
    dht: false,
    maxMessageBytes: 4 << 20,
    relay: false,
  });
  const rogueAddr = rogue.addresses()[0]!;
  cluster = await Cluster.create({
    outDir: join(out, 'cluster'),
    network: NETWORK,
    topology: pairTopology(),
    rounds: 0,
    task: pairTask({ deadline: { capMs: 1000 } }),
    learning: pairLearning(),
    daemon: { startupWaitMs: 10_000 },
    // Daemon 0 takes the rogue for an honest neighbour.
    configure: (i, cfg) =>
      i === 0
        ? {
            ...cfg,
            neighbours: [...(cfg.neighbours as string[]), identity.peerId],
            bootstrap: [...(cfg.bootstrap as string[]), rogueAddr],
            maxNeighbours: 2,
          }
        : cfg,
  });
  const c = cluster;
  const [victim, honest] = c.peerIds as [string, string];
  // Behave like a peer until the victim trusts us: listen to its updates.
  rogue.subscribe(topicOf(NETWORK, victim));
  c.startAll();
  const started = await c.waitFor('daemon 0 past round 3', (s) => s[0] != null && s[0].round >= 3, 45_000);
  const model = started[0]!.model;
  const ownTopic = topicOf(NETWORK, identity.peerId);
  for (let t = Date.now(); !rogue.subscribers(ownTopic).includes(victim); await sleep(100))
    if (Date.now() - t > 10_000) assert.fail('victim never subscribed to the rogue');

  const frame = (o: Partial<Parameters<typeof encodeFrame>[0]> & { values?: Float32Array }): Uint8Array => {
    const values = o.values ?? new Float32Array(model.params);
    return encodeFrame({
      codecId: CODEC_IDS.none,
      sender: identity.peerId,
      round: 10,
      seq: 1,
      paramCount: model.params,
      specHash: model.specHash,
      payload: new Uint8Array(values.buffer),
      ...o,
    });
  };
  const roundBefore = started[0]!.round;
  const garbage = new Uint8Array(300).map((_, i) => (i * 7919) & 0xff);
  await rogue.publish(ownTopic, garbage);
  await rogue.publish(ownTopic, frame({ values: new Float32Array(model.params).fill(NaN) }));
  await rogue.publish(ownTopic, frame({ specHash: 'ffffffffffffffff' }));
  await rogue.publish(ownTopic, frame({ payload: new Uint8Array(model.maxFrameBytes) }));
  await rogue.publish(ownTopic, frame({ sender: honest }));
  // A frame on the honest neighbour's topic: authenticated as the rogue, so the topic is wrong.
  await rogue.publish(topicOf(NETWORK, honest), frame({}));

  const expected = ['bad-magic', 'non-finite', 'spec-hash', 'too-large', 'sender-mismatch', 'wrong-topic'];
  const rogueScore = (s: NodeStatus): number => s.neighbours.find((n) => n.id === identity.peerId)?.score ?? 0;
  // Scores are recomputed on gossipsub's heartbeat: the drop shows within a second or so.
  const after = await c.waitFor(
    'every rejection counted, the rogue penalised, 5 more rounds',
    (s) => {
      const s0 = s[0];
      return (
        s0 != null &&
        expected.every((r) => (s0.rejected[r] ?? 0) >= 1) &&
        rogueScore(s0) < 0 &&
        s0.round >= roundBefore + 5
      );
    },
    30_000,
  );
  const status = after[0]!;
  assert.ok(status.round > roundBefore, 'training continued');
  const metrics = (await c.metrics(0))!;
  for (const r of expected) assert.match(metrics, new RegExp(`gl_updates_rejected_total\\{reason="${r}"\\} [1-9]`));
  assert.match(metrics, /libp2p_data_transfer_bytes_total/);
  // The honest daemon saw none of it: the invalid frames were not forwarded.
  const other = after[1]!;
  for (const r of expected) assert.equal(other.rejected[r] ?? 0, 0, `daemon 1 rejected ${r}`);
});
