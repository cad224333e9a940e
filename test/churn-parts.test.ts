/** The pieces the churn tools are built from, on real files: tails, wire spans, checkpoint samples, report. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveCheckpoint, type Checkpoint } from '../src/daemon/checkpoint.ts';
import { checkpointDigest } from '../src/daemon/checkpoint-digest.ts';
import { CheckpointSampler } from '../src/cluster/checkpoint-sampler.ts';
import { paramsDigest } from '../src/daemon/params-digest.ts';
import { RoundTail } from '../src/cluster/round-tail.ts';
import { WireMeter, protocolBytes } from '../src/cluster/wire-meter.ts';
import { renderReport } from '../src/report/html.ts';
import { summariseRounds, ConsensusAccumulator, type NodeRoundLine } from '../src/report/rounds.ts';

const dir = mkdtempSync(join(tmpdir(), 'gl-churn-parts-'));

function line(index: number, round: number, extra: Partial<NodeRoundLine> = {}): NodeRoundLine {
  return {
    type: 'node-round',
    index,
    byzantine: false,
    node: `n${index}`,
    round,
    startedAt: 1000 * round,
    publishedAt: 1000 * round + 400,
    closedAt: 1000 * round + 500,
    closedBy: 'quorum',
    deadlineMs: 300,
    trainLoss: 1,
    used: 1,
    staleDropped: 0,
    accepted: 1,
    rejected: {},
    resyncs: 0,
    keyframes: 0,
    bytesSentPayload: 100,
    bytesSentMeta: 10,
    bytesRecvPayload: 100,
    bytesRecvMeta: 10,
    ...extra,
  };
}

test('RoundTail returns only complete new lines, and starts over on a truncated file', () => {
  const path = join(dir, 'rounds.jsonl');
  const tail = new RoundTail(path);
  assert.deepEqual(tail.poll(), [], 'no file yet');
  appendFileSync(path, JSON.stringify(line(0, 0)) + '\n' + JSON.stringify(line(0, 1)).slice(0, 20));
  assert.deepEqual(
    tail.poll().map((l) => l.round),
    [0],
  );
  appendFileSync(path, JSON.stringify(line(0, 1)).slice(20) + '\n');
  assert.deepEqual(
    tail.poll().map((l) => l.round),
    [1],
  );
  assert.equal(tail.last?.round, 1);
  assert.deepEqual(tail.poll(), []);
  writeFileSync(path, JSON.stringify(line(0, 7)) + '\n');
  assert.deepEqual(
    tail.poll().map((l) => l.round),
    [7],
  );
});

test('WireMeter differences counters within a process only (they restart from 0 with it)', () => {
  const m = new WireMeter();
  m.add({ pid: 1, round: 2, counters: { '/meshsub/1.1.0 sent': 1000 } });
  m.add({ pid: 1, round: 12, counters: { '/meshsub/1.1.0 sent': 11_000 } });
  // Restarted: the new process counts from 0.
  m.add({ pid: 2, round: 20, counters: { '/meshsub/1.1.0 sent': 500 } });
  m.add({ pid: 2, round: 30, counters: { '/meshsub/1.1.0 sent': 10_500, '/gossiplearn/sync/1.0.0 sent': 40 } });
  const spans = m.list();
  assert.deepEqual(
    spans.map((s) => [s.from, s.to]),
    [
      [2, 12],
      [20, 30],
    ],
  );
  const sent = spans.reduce((s, x) => s + protocolBytes(x.bytes, 'meshsub', 'sent'), 0);
  const rounds = spans.reduce((s, x) => s + x.to - x.from, 0);
  assert.equal(sent / rounds, 1000, 'per round over the same 20 rounds');
  assert.equal(protocolBytes(spans[1]!.bytes, '/gossiplearn/sync', 'sent'), 40);
});

function checkpoint(round: number, fill: number): Checkpoint {
  const params = new Float32Array(8).fill(fill);
  return {
    specHash: '0123456789abcdef',
    node: { round, seq: round, params, publicCopy: params.slice() },
    learner: { optimizer: { type: 'sgd', step: round, slots: [] }, samplesDrawn: 0 },
  };
}

test('checkpoint digest and sampler read what is on disk, each round once', () => {
  const path = join(dir, 'checkpoint.bin');
  const samples: Array<[number, number, number]> = [];
  const sampler = new CheckpointSampler([path], (node, round, p) => samples.push([node, round, p[0]!]));
  sampler.poll();
  assert.equal(checkpointDigest(path), null);
  saveCheckpoint(path, checkpoint(10, 0.5));
  assert.deepEqual(checkpointDigest(path), { round: 10, paramsHash: paramsDigest(new Float32Array(8).fill(0.5)) });
  sampler.poll();
  sampler.poll();
  saveCheckpoint(path, checkpoint(10, 0.5));
  sampler.poll();
  saveCheckpoint(path, checkpoint(15, 0.25));
  sampler.poll();
  // The model as the node closed the round before the checkpoint's (next) round.
  assert.deepEqual(samples, [
    [0, 9, 0.5],
    [0, 14, 0.25],
  ]);
  writeFileSync(path, 'garbage');
  assert.equal(checkpointDigest(path), null);
});

test('report: churn rules on the round plots, and a plot without data is listed, not drawn empty', async () => {
  const lines = [0, 1, 2, 3].flatMap((r) => [line(0, r, { accuracy: 0.5 + r / 10 }), line(1, r, { accuracy: 0.6 })]);
  const rounds = summariseRounds(lines, new ConsensusAccumulator(0));
  const events = [
    { round: 1, kind: 'kill' as const, label: 'kill -9 node 1' },
    { round: 3, kind: 'restart' as const, label: 'node 1 back' },
  ];
  const table = { title: 'Churn', header: ['node', 'exact'], rows: [['1', 'yes']] };
  const html = await renderReport({ title: 't', lines, rounds, facts: [], events, tables: [table] });
  assert.equal((html.match(/<figure>/g) ?? []).length, 3);
  assert.match(html, /Not drawn:.*Consensus distance.*no data in this run/s);
  assert.match(html, /stroke-dasharray/);
  assert.match(html, /<h2>Churn<\/h2>/);
  const plain = await renderReport({ title: 't', lines, rounds, facts: [] });
  assert.doesNotMatch(plain, /stroke-dasharray/, 'no rules without events');
});
