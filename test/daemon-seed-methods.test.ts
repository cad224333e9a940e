/**
 * The seed methods in real daemons (processes, libp2p, the same LearningNode as the simulator):
 * a pair running the DiLoCo outer optimizer with two staggered fragments and overlap together
 * with FedAU participation weights, and three daemons in MoDeST round mode, where models are
 * pushed to the sampled trainers and aggregators over /gossiplearn/direct/1.0.0.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../src/cluster/cluster.ts';
import { buildTopology, parseTopologySpec } from '../src/topology/index.ts';
import { pairLearning, pairTask, pairTopology } from './support/daemon-pair.ts';

const out = mkdtempSync(join(tmpdir(), 'gl-seed-methods-'));
const clusters: Cluster[] = [];

after(async () => {
  for (const c of clusters) await c.stopAll(5000);
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

test('a daemon pair with the outer optimizer (2 fragments, overlap) and participation weights', {
  timeout: 120_000,
}, async () => {
  const node = {
    gossip: 'direct',
    aggregator: { rule: 'mean' },
    weights: 'metropolis',
    deadline: { capMs: 2000 },
    outer: { lr: 0.7, momentum: 0.9, fragments: 2, overlap: { correction: 0.5 } },
    participation: { cutoff: 10 },
  };
  const c = await Cluster.create({
    outDir: join(out, 'pair'),
    topology: pairTopology(),
    rounds: 0,
    task: pairTask(node),
    learning: pairLearning(1),
    daemon: { startupWaitMs: 20_000 },
  });
  clusters.push(c);
  c.startAll();
  await c.waitFor('both daemons past round 8', (s) => s.every((x) => x !== null && x.round >= 8), 100_000);
  const lines = c.lines();
  for (const i of [0, 1]) {
    const mine = lines.filter((l) => l.index === i && l.round <= 8);
    const used = mine.filter((l) => l.used === 1).length;
    assert.ok(used >= 6, `node ${i} aggregated its neighbour's fragment in ${used} of ${mine.length} rounds`);
    assert.deepEqual([...new Set(mine.flatMap((l) => Object.keys(l.rejected)))], [], `node ${i}: no rejections`);
    const acc = mine.filter((l) => l.accuracy !== undefined).map((l) => l.accuracy!);
    assert.ok(acc.at(-1)! > 0.8, `node ${i} accuracy ${acc.join(', ')}`);
  }
});

test('three daemons in MoDeST round mode hand the model from round to round', { timeout: 150_000 }, async () => {
  const topology = buildTopology(parseTopologySpec({ generator: { type: 'full' } }, 'test'), { n: 3, seed: 1 });
  const node = { modest: { trainers: 2, aggregators: 1, overSample: 0.5, timeoutMs: 3000, watchdogMs: 6000, seed: 3 } };
  const c = await Cluster.create({
    outDir: join(out, 'modest'),
    topology,
    rounds: 0,
    task: pairTask(node),
    learning: pairLearning(1),
    daemon: { startupWaitMs: 20_000 },
  });
  clusters.push(c);
  c.startAll();
  const aggregated = (): number =>
    Math.max(
      -1,
      ...c
        .lines()
        .filter((l) => l.role === 'aggregator')
        .map((l) => l.round),
    );
  await c.waitFor('an aggregation of round 6', () => aggregated() >= 6, 130_000);
  const lines = c.lines();
  for (let r = 0; r <= 6; r++) {
    const trainers = lines.filter((l) => l.role === 'trainer' && l.round === r);
    const aggs = lines.filter((l) => l.role === 'aggregator' && l.round === r);
    assert.equal(trainers.length, 2, `round ${r}: ${trainers.length} trainers`);
    // One aggregator, unless a trainer found it unreachable and fell back to the next candidate.
    assert.ok(aggs.length >= 1, `round ${r}: no aggregator`);
    assert.equal(
      aggs.reduce((s, l) => s + l.used, 0),
      2,
      `round ${r}: the aggregators averaged ${aggs.map((l) => l.used)} models`,
    );
  }
  const acc = lines
    .filter((l) => l.role === 'aggregator' && l.accuracy !== undefined && l.round <= 6)
    .map((l) => l.accuracy!);
  assert.ok(acc.at(-1)! > 0.8, `aggregated accuracy by round: ${acc.join(', ')}`);

  // SIGKILL one daemon: the samples skip it (its connection is gone), the other two carry on.
  await c.kill(2);
  const killedAt = aggregated();
  await c.waitFor('6 more aggregations without node 2', () => aggregated() >= killedAt + 6, 60_000);
  const after = c.lines().filter((l) => l.round >= killedAt + 2 && l.round <= killedAt + 6);
  for (let r = killedAt + 2; r <= killedAt + 6; r++) {
    const mine = after.filter((l) => l.round === r);
    assert.ok(
      mine.every((l) => l.index !== 2),
      `round ${r}: node 2 is dead`,
    );
    assert.equal(mine.filter((l) => l.role === 'trainer').length, 2, `round ${r}: trainers`);
    assert.ok(
      mine.some((l) => l.role === 'aggregator' && l.used === 2),
      `round ${r}: an aggregator averaged both models`,
    );
  }
});
