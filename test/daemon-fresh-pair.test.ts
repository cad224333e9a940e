/**
 * Two fresh daemons with `neighbours: "auto"` (shared init, so the first update is a delta, not a
 * keyframe): round 0 closes by quorum, not by the 30 s deadline. The first delta arrives before
 * the receiver holds a public copy of its sender; the resync it triggers completes the quorum.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../src/cluster/cluster.ts';
import { pairLearning, pairTask, pairTopology } from './support/daemon-pair.ts';

const out = mkdtempSync(join(tmpdir(), 'gl-fresh-pair-'));
let cluster: Cluster | null = null;

after(async () => {
  await cluster?.stopAll(5000);
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

test('two fresh daemons with auto neighbours close round 0 by quorum', { timeout: 90_000 }, async () => {
  cluster = await Cluster.create({
    outDir: out,
    topology: pairTopology(),
    rounds: 0,
    // The default 30 s deadline cap: a round 0 closed by deadline would take 30 s. No
    // residual-triggered keyframes: the first update is a delta on the shared init.
    task: pairTask({ keyframeResidual: 0 }),
    learning: pairLearning(),
    daemon: { startupWaitMs: 20_000 },
    configure: (_i, cfg) => ({ ...cfg, neighbours: 'auto' }),
  });
  const c = cluster;
  c.startAll();
  await c.waitFor('both daemons past round 3', (s) => s.every((x) => x !== null && x.round >= 3), 75_000);
  const r0 = c.lines().filter((l) => l.round === 0);
  assert.equal(r0.length, 2);
  for (const l of r0) {
    assert.equal(l.closedBy, 'quorum', `node ${l.index} closed round 0 by ${l.closedBy}`);
    assert.equal(l.used, 1, `node ${l.index} aggregated its neighbour in round 0`);
    console.log(`node ${l.index}: round 0 closed by ${l.closedBy} after ${Math.round(l.closedAt - l.publishedAt)} ms`);
  }
});
