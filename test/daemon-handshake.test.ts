/**
 * Auto neighbours on a real daemon, against raw libp2p peers in this process:
 * - a peer that lists the sync protocol but skips the handshake, one that answers the hello with
 *   garbage and one on another network are never neighbours (the failures are counted by reason);
 * - a peer that passes the handshake and subscribes but never sends becomes silent after at most
 *   3 deadlines: it stops counting toward the quorum and /status and /metrics say so;
 * - a daemon that finds no neighbour at all says it is isolated (/status, gl_isolated, a warning).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lp from 'it-length-prefixed';
import { Cluster } from '../src/cluster/cluster.ts';
import { HELLO_PROTOCOL, HELLO_VERSION, serveHello, type Hello } from '../src/p2p/hello-protocol.ts';
import { GossipHost } from '../src/p2p/host.ts';
import { createIdentityFile } from '../src/p2p/identity.ts';
import { SYNC_PROTOCOL } from '../src/p2p/sync-protocol.ts';
import { topicOf } from '../src/p2p/transport.ts';
import { pairLearning, pairTask, pairTopology } from './support/daemon-pair.ts';

const NETWORK = 'hello-test';
const CAP_MS = 4000;
const out = mkdtempSync(join(tmpdir(), 'gl-hello-'));
let cluster: Cluster | null = null;
const rogues: GossipHost[] = [];

after(async () => {
  await cluster?.stopAll(5000);
  await Promise.all(rogues.map((r) => r.stop().catch(() => {})));
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

async function rogue(name: string): Promise<GossipHost> {
  const id = await createIdentityFile(join(out, `${name}.key`));
  const h = await GossipHost.create({
    privateKey: id.privateKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    mdns: false,
    dht: false,
    maxMessageBytes: 1 << 20,
    relay: false,
  });
  rogues.push(h);
  return h;
}

function sample(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

const TITLE =
  'only peers that pass the handshake become auto neighbours; a silent one stops counting; ' +
  'a lone node says it is isolated';
test(TITLE, { timeout: 120_000 }, async () => {
  // Two daemons that do not know each other: daemon 0 meets the rogues, daemon 1 nobody.
  cluster = await Cluster.create({
    outDir: join(out, 'cluster'),
    network: NETWORK,
    topology: pairTopology(),
    rounds: 0,
    task: pairTask({ deadline: { capMs: CAP_MS } }),
    learning: pairLearning(),
    configure: (i, cfg) => ({ ...cfg, neighbours: 'auto', bootstrap: [], startupWaitMs: i === 0 ? 60_000 : 2000 }),
  });
  const c = cluster;
  c.startAll();
  const up = await c.waitFor('both daemons answering', (s) => s.every((x) => x !== null), 45_000);
  const victim = up[0]!.peerId;
  const specHash = up[0]!.model.specHash;
  const victimAddr = c.info(0)!.addresses[0]!;
  const ours: Hello = { v: HELLO_VERSION, network: NETWORK, specHash, task: null };

  // Lists the sync protocol, no handshake at all.
  const skipper = await rogue('skipper');
  await skipper.handle(SYNC_PROTOCOL, (s) => s.abort(new Error('no')));
  // Lists both, answers the hello with garbage.
  const garbler = await rogue('garbler');
  await garbler.handle(SYNC_PROTOCOL, (s) => s.abort(new Error('no')));
  const garbage = lp.encode.single(new TextEncoder().encode('{"v":1,"network":7}'));
  await garbler.handle(HELLO_PROTOCOL, (s) => void s.sink([garbage]).catch(() => {}));
  // A correct handshake, for another network.
  const stranger = await rogue('stranger');
  await serveHello(stranger, { ...ours, network: 'elsewhere' }, () => {});
  // A correct handshake, then listens to the victim's updates and never sends any.
  const mute = await rogue('mute');
  await serveHello(mute, ours, () => {});
  await mute.handle(SYNC_PROTOCOL, (s) => s.abort(new Error('no')));
  mute.subscribe(topicOf(NETWORK, victim));
  for (const r of [skipper, garbler, stranger, mute]) await r.dial(victimAddr, AbortSignal.timeout(10_000));

  const silent = await c.waitFor(
    'the mute peer to be a silent neighbour of daemon 0, and daemon 1 isolated',
    (s) => {
      const [s0, s1] = s;
      const m = s0?.neighbours.find((n) => n.id === mute.peerId);
      return m?.silent === true && s1?.isolated === true;
    },
    60_000,
  );
  const s0 = silent[0]!;
  assert.deepEqual(
    s0.neighbours.map((n) => n.id),
    [mute.peerId],
    'only the peer that passed the handshake',
  );
  assert.ok(s0.connectedPeers >= 4, `connected to ${s0.connectedPeers} peers`);
  const mutes = s0.neighbours[0]!;
  assert.ok(mutes.missedDeadlines >= 2 && mutes.missedDeadlines <= 3, `missed ${mutes.missedDeadlines} deadlines`);
  const refused = s0.handshakeRefused;
  assert.match(refused.find((r) => r.peer === garbler.peerId)?.reason ?? '', /^bad-hello: /);
  const strangerWhy = refused.find((r) => r.peer === stranger.peerId)?.reason ?? '';
  assert.match(strangerWhy, /^network: network elsewhere ≠ ours hello-test/);
  assert.ok(!refused.some((r) => r.peer === skipper.peerId), 'the skipper is never asked: it lists no hello protocol');

  // No stall: the next 5 rounds close by quorum at training speed, not at the 4 s deadline each.
  const base = s0.round;
  const t0 = Date.now();
  await c.waitFor('daemon 0 five rounds further', (s) => (s[0]?.round ?? 0) >= base + 5, 5 * CAP_MS);
  assert.ok(Date.now() - t0 < 3 * CAP_MS, `5 rounds took ${Date.now() - t0} ms`);
  const lines = c.lines().filter((l) => l.index === 0);
  const deadlines = lines.filter((l) => l.closedBy === 'deadline').length;
  assert.ok(deadlines >= 2 && deadlines <= 3, `daemon 0 waited for ${deadlines} deadlines`);
  assert.ok(lines.filter((l) => l.round >= base).every((l) => l.closedBy === 'quorum'));

  const m0 = (await c.metrics(0))!;
  assert.equal(sample(m0, 'gl_neighbours_silent'), 1);
  assert.match(m0, /^gl_handshakes_refused_total\{reason="bad-hello"\} [1-9]/m);
  assert.match(m0, /^gl_handshakes_refused_total\{reason="network"\} [1-9]/m);

  // Daemon 1 met nobody: isolated, in /status, in /metrics and in its log at warn.
  const s1 = silent[1]!;
  assert.equal(s1.isolated, true);
  assert.equal(sample((await c.metrics(1))!, 'gl_isolated'), 1);
  const log1 = readFileSync(join(c.dir(1), 'daemon.log'), 'utf8');
  assert.match(log1, /"level":40[^\n]*"msg":"isolated: no neighbour connected after the startup wait/);
  assert.equal(s0.isolated, false);
});
