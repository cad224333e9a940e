import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChocoReceiver, decodeFrame, encodeFrame, getCodec, peekFrameHeader } from '../src/compress/index.ts';
import { parseNodeConfig } from '../src/core/config.ts';
import { AdaptiveDeadline } from '../src/core/deadline.ts';
import type { LocalLearner, SyncSnapshot, Transport } from '../src/core/interfaces.ts';
import { LearningNode } from '../src/core/node.ts';
import type { RoundRecord } from '../src/core/round-record.ts';
import { rescaleApplier } from '../src/core/tracked-rescale.ts';
import { buildLayout } from '../src/learn/layout.ts';
import { EventQueue } from '../src/sim/event-queue.ts';

const layout = buildLayout([
  { name: 'w', shape: [4, 2], kind: 'weight', fanIn: 4, fanOut: 2 },
  { name: 'b', shape: [2], kind: 'bias', fanIn: 4, fanOut: 2 },
]);
const d = layout.totalSize;
const specHash = '0123456789abcdef';

test('adaptive deadline: cap until observed, then max(2·median, median + k·MAD) within [floor, cap]', () => {
  const dl = new AdaptiveDeadline({ k: 3, floorMs: 5, capMs: 1000, window: 4, lagFactor: 2 });
  assert.equal(dl.current(), 1000);
  for (const x of [10, 12, 11, 100]) dl.record(x);
  // median 11.5, MAD 1 → max(23, 14.5) = 23: one straggler at 100 does not stretch it.
  assert.equal(dl.current(), 23);
  for (const x of [1, 1, 1, 1]) dl.record(x);
  assert.equal(dl.current(), 5);
  for (const x of [900, 900, 900, 900]) dl.record(x);
  assert.equal(dl.current(), 1000);
});

test('adaptive deadline: never below lagFactor × the timer lag, still within the cap', () => {
  const dl = new AdaptiveDeadline({ k: 3, floorMs: 5, capMs: 1000, window: 4, lagFactor: 2 });
  for (const x of [1, 1, 1, 1]) dl.record(x);
  assert.equal(dl.current(0), 5);
  assert.equal(dl.current(40), 80);
  assert.equal(dl.current(700), 1000);
});

/** A two-party in-memory transport: the test plays the neighbour "peer". */
function harness(
  config: unknown,
  opts: { sharedInit?: boolean; timerLagMs?: number; initialCopyOf?: (peer: string) => Float32Array | undefined } = {},
) {
  const queue = new EventQueue();
  const lag = opts.timerLagMs;
  const clock =
    lag === undefined ? queue : { now: () => queue.now(), schedule: queue.schedule.bind(queue), lagMs: () => lag };
  let deliver: (from: string, frame: Uint8Array) => void = () => {};
  const published: Uint8Array[] = [];
  const syncRequests: string[] = [];
  let peerSnapshot: SyncSnapshot | null = null;
  const transport: Transport = {
    selfId: 'me',
    publish: (f) => {
      published.push(f);
      return 1;
    },
    onFrame: (h) => {
      deliver = h;
    },
    inNeighbours: () => ['peer'],
    degreeOf: () => 1,
    requestSync: (peer, done) => {
      syncRequests.push(peer);
      queue.schedule(5, () => done(peerSnapshot ?? new Error('no snapshot')));
    },
    serveSync: () => {},
  };
  const learner: LocalLearner = {
    // A deterministic local step: pull every parameter 10% toward 1.
    train: (_r, p, done) => {
      queue.schedule(10, () => {
        for (let i = 0; i < p.length; i++) p[i]! += 0.1 * (1 - p[i]!);
        done(0.5);
      });
    },
  };
  const records: RoundRecord[] = [];
  const node = new LearningNode({
    config: parseNodeConfig(config),
    layout,
    specHash,
    params: new Float32Array(d),
    clock,
    transport,
    learner,
    seed: 1,
    sharedInitialCopy: opts.sharedInit === false || opts.initialCopyOf ? undefined : new Float32Array(d),
    initialCopyOf: opts.initialCopyOf,
    onRound: (r) => records.push(r),
  });
  return {
    queue,
    node,
    records,
    published,
    syncRequests,
    send: (frame: Uint8Array, from = 'peer') => deliver(from, frame),
    setPeerSnapshot: (s: SyncSnapshot) => {
      peerSnapshot = s;
    },
  };
}

function frame(over: Partial<Parameters<typeof encodeFrame>[0]> = {}): Uint8Array {
  const codec = getCodec({ name: 'none' });
  return encodeFrame({
    codecId: codec.id,
    sender: 'peer',
    round: 0,
    seq: 1,
    paramCount: d,
    specHash,
    payload: codec.encode(new Float32Array(d).fill(0.5), 0),
    ...over,
  });
}

test('malformed frames are rejected by reason and counted while the node keeps training', async () => {
  const h = harness({ deadline: { capMs: 50 } });
  h.node.start();
  const good = frame();
  const corrupt = good.slice();
  corrupt[40] = corrupt[40]! ^ 0xff;
  const nan = encodeFrame({
    codecId: 0,
    sender: 'peer',
    round: 0,
    seq: 1,
    paramCount: d,
    specHash,
    payload: new Uint8Array(new Float32Array(d).fill(NaN).buffer),
  });
  h.send(corrupt);
  h.send(frame({ specHash: 'ffffffffffffffff' }));
  h.send(nan);
  h.send(new Uint8Array(10));
  h.send(new Uint8Array(1 << 20));
  h.send(good, 'impostor');
  await h.queue.run(() => h.records.length >= 3, { maxEvents: 10_000, maxTimeMs: 10_000 });
  h.node.stop();
  assert.ok(h.records.length >= 3, 'rounds kept closing');
  const rejected = h.records[0]!.rejected;
  assert.deepEqual(rejected, {
    'bad-checksum': 1,
    'spec-hash': 1,
    'non-finite': 1,
    truncated: 1,
    'too-large': 1,
    'sender-mismatch': 1,
  });
  assert.equal(h.records[0]!.accepted, 0);
  assert.ok(h.node.params.every((x) => Number.isFinite(x)));
});

test('an accepted update is aggregated; a sequence gap triggers a resync, then the peer counts again', async () => {
  const h = harness({ deadline: { capMs: 50 }, aggregator: { rule: 'mean' }, weights: 'uniform' });
  h.node.start();
  h.send(frame({ seq: 1, round: 0 }));
  await h.queue.run(() => h.records.length >= 1, { maxEvents: 10_000, maxTimeMs: 10_000 });
  const r0 = h.records[0]!;
  assert.equal(r0.accepted, 1);
  assert.equal(r0.used, 1);
  assert.equal(r0.closedBy, 'quorum');
  // self moved to 0.1 by training, peer sent 0.5: uniform mean over {self, peer} = 0.3.
  assert.ok(Math.abs(h.node.params[0]! - 0.3) < 1e-6, `param ${h.node.params[0]}`);
  h.setPeerSnapshot({
    specHash,
    round: 3,
    params: new Float32Array(d).fill(0.7),
    publicCopy: new Float32Array(d).fill(0.7),
    seq: 5,
  });
  h.send(frame({ seq: 4, round: 1 }));
  await h.queue.run(() => h.records.length >= 3, { maxEvents: 10_000, maxTimeMs: 10_000 });
  h.node.stop();
  assert.deepEqual(h.syncRequests, ['peer']);
  assert.equal(h.records[1]!.rejected['seq-gap'], 1);
  assert.equal(
    h.records.reduce((s, r) => s + r.resyncs, 0),
    1,
  );
  assert.ok(
    h.records.slice(1).some((r) => r.used === 1),
    'the resynced peer is aggregated again',
  );
});

test('a first delta before any public copy of its sender resyncs and closes the round by quorum', async () => {
  // No shared init: the node holds no public copy of "peer", so its delta is a sequence gap.
  const h = harness({ deadline: { capMs: 10_000 } }, { sharedInit: false });
  const half = new Float32Array(d).fill(0.5);
  h.setPeerSnapshot({ specHash, round: 0, params: half, publicCopy: half.slice(), seq: 1 });
  h.node.start();
  h.send(frame({ seq: 1, round: 0 }));
  await h.queue.run(() => h.records.length >= 1, { maxEvents: 10_000, maxTimeMs: 60_000 });
  h.node.stop();
  const r0 = h.records[0]!;
  assert.deepEqual(h.syncRequests, ['peer']);
  assert.equal(r0.rejected['seq-gap'], 1);
  assert.equal(r0.resyncs, 1);
  assert.equal(r0.closedBy, 'quorum');
  assert.equal(r0.used, 1);
  // Training takes 10 ms, the sync 5 ms: closed right after the resync, not at the 10 s deadline.
  assert.ok(r0.closedAt - r0.startedAt < 100, `closed after ${r0.closedAt - r0.startedAt} ms`);
});

test('a neighbour that never sends is silent after 2 deadlines and stops counting toward the quorum', async () => {
  const h = harness({ deadline: { capMs: 1000 } });
  h.node.start();
  await h.queue.run(() => h.records.length >= 5, { maxEvents: 10_000, maxTimeMs: 60_000 });
  const closed = h.records.map((r) => r.closedBy);
  assert.deepEqual(closed, ['deadline', 'deadline', 'quorum', 'quorum', 'quorum']);
  // Rounds 2+ take only the 10 ms of training: no more waiting for the silent peer.
  for (const r of h.records.slice(2)) {
    assert.ok(r.closedAt - r.startedAt < 50, `round ${r.round}: ${r.closedAt - r.startedAt} ms`);
  }
  const [peer] = h.node.neighbourLiveness();
  assert.deepEqual(peer, { peer: 'peer', silent: true, lastHeardAt: null, lastRound: null, missedDeadlines: 2 });
  // Once it sends, it counts again: the next round waits for its update (quorum, not 10 ms).
  h.send(frame({ seq: 1, round: h.node.round }));
  assert.equal(h.node.neighbourLiveness()[0]!.silent, false);
  const n = h.records.length;
  await h.queue.run(() => h.records.length >= n + 2, { maxEvents: 10_000, maxTimeMs: 60_000 });
  h.node.stop();
  assert.equal(h.records[n]!.accepted, 1);
  assert.equal(h.records[n]!.closedBy, 'quorum');
  // The round after that one has no fresh update from it: it waits (deadline), instead of 10 ms.
  assert.equal(h.records[n + 1]!.closedBy, 'deadline');
});

test('on a clock whose timers run late, round deadlines stay above lagFactor × the lag', async () => {
  /** The peer answers each publish at once: arrival delays of 0 alone would give the 50 ms floor. */
  async function deadlines(timerLagMs: number): Promise<number[]> {
    const h = harness({ deadline: { capMs: 5000, floorMs: 50 } }, { timerLagMs });
    h.node.start();
    for (let k = 0; k < 4; k++) {
      await h.queue.run(() => h.published.length > k, { maxEvents: 10_000, maxTimeMs: 60_000 });
      h.send(frame({ seq: k + 1, round: k }));
    }
    h.node.stop();
    assert.deepEqual(
      h.records.map((r) => r.closedBy),
      ['quorum', 'quorum', 'quorum', 'quorum'],
    );
    return h.records.map((r) => r.deadlineMs ?? NaN);
  }
  // Round 0 has no arrival sample yet: the cap. Then the floor, or 2 × 120 ms of timer lag.
  assert.deepEqual(await deadlines(0), [5000, 50, 50, 50]);
  assert.deepEqual(await deadlines(120), [5000, 240, 240, 240]);
});

test('direct gossip: the frame counter is saved state, so a resumed node is not mistaken for a replay', async () => {
  const run = async (state?: ReturnType<LearningNode['exportState']>) => {
    const h = harness({ gossip: 'direct', deadline: { capMs: 50 } });
    if (state) h.node.importState(state);
    h.node.start();
    await h.queue.run(() => h.published.length >= 3, { maxEvents: 10_000, maxTimeMs: 60_000 });
    h.node.stop();
    return { seqs: h.published.map((f) => peekFrameHeader(f).seq), state: h.node.exportState() };
  };
  const first = await run();
  assert.deepEqual(first.seqs, [1, 2, 3]);
  assert.equal(first.state.seq, 3);
  // The daemon resumes with the saved seq plus a margin for frames sent after the checkpoint.
  const resumed = await run({ ...first.state, seq: first.state.seq + 6 });
  assert.deepEqual(resumed.seqs, [10, 11, 12]);
});

test("seed-built first copies: no keyframe is sent, and a neighbour's first delta applies to its init", async () => {
  const inits: Record<string, Float32Array> = { me: new Float32Array(d), peer: new Float32Array(d).fill(0.2) };
  const h = harness(
    { deadline: { capMs: 50 }, keyframeResidual: 0, aggregator: { rule: 'mean' }, weights: 'uniform' },
    { initialCopyOf: (p) => inits[p] },
  );
  h.node.start();
  const codec = getCodec({ name: 'none' });
  h.send(frame({ seq: 1, payload: codec.encode(new Float32Array(d).fill(0.3), 0) }));
  await h.queue.run(() => h.records.length >= 1, { maxEvents: 10_000, maxTimeMs: 10_000 });
  h.node.stop();
  assert.equal(h.records[0]!.keyframes, 0);
  assert.equal(peekFrameHeader(h.published[0]!).keyframe, false);
  assert.deepEqual(h.syncRequests, []);
  // x̂_peer = 0.2 + 0.3; self trained 0 → 0.1 and sent it exactly: uniform mean = 0.3.
  assert.ok(Math.abs(h.node.params[0]! - 0.3) < 1e-6, `param ${h.node.params[0]}`);
});

test("tracked variance rescale: receivers applying each frame's maps hold the sender's exact public copy", async () => {
  const config = {
    deadline: { capMs: 50 },
    keyframeResidual: 0,
    codec: { name: 'topk', k: 4 },
    consensusStep: 0.5,
    trackedRescale: true,
    aggregator: { rule: 'mean', varianceCorrection: 'inputs' },
    weights: 'uniform',
  };
  const h = harness(config);
  h.node.start();
  const codec = getCodec({ name: 'none' });
  const rounds = 4;
  for (let r = 0; r < rounds; r++) {
    // The neighbour's copy: a weight layer with a spread that changes every round.
    const delta = Float32Array.from(
      { length: d },
      (_, i) => (i % 2 === 0 ? 1 : -1) * (0.3 + 0.2 * r) * (i < 8 ? 1 : 0),
    );
    h.send(frame({ seq: r + 1, round: r, payload: codec.encode(delta, 0) }));
    await h.queue.run(() => h.records.length >= r + 1, { maxEvents: 10_000, maxTimeMs: 10_000 });
  }
  h.node.stop();
  const copy = new ChocoReceiver(d, new Float32Array(d));
  let mapped = 0;
  for (const f of h.published) {
    const { header, values, rescales } = decodeFrame(f, {
      paramCount: d,
      specHash,
      maxBytes: 1 << 20,
      layers: layout.entries.length,
    });
    if (header.keyframe) copy.resetFromFull(values, header.seq);
    else assert.equal(copy.apply(values, header.seq, rescaleApplier(layout, rescales)), 'ok');
    mapped += rescales.length;
    // Only weight layers are rescaled (layer 0 here), never the bias.
    for (const m of rescales) assert.equal(m.layer, 0);
  }
  assert.ok(mapped >= rounds - 1, `frames carried ${mapped} rescales`);
  assert.deepEqual(copy.publicCopy, h.node.exportState().publicCopy);
});
