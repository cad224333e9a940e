/**
 * Real daemon processes on loopback: 4 nodes on a ring gossip and converge; one is killed with
 * SIGKILL mid-run, the others keep going, and the restarted one resumes from its checkpoint and
 * rejoins. Every process is started here and killed in `after`, whatever happens.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type NodeStatus } from '../src/cluster/cluster.ts';
import { FILES } from '../src/daemon/files.ts';
import { buildTopology, parseTopologySpec } from '../src/topology/index.ts';

const out = mkdtempSync(join(tmpdir(), 'gl-cluster-'));
let cluster: Cluster | null = null;

after(async () => {
  await cluster?.stopAll(5000);
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

const rounds = (s: Array<NodeStatus | null>): string => s.map((x) => x?.round ?? '-').join(' ');

test('4 daemons converge; kill -9 one mid-run: no stall, and it resumes from its checkpoint and rejoins', {
  timeout: 300_000,
}, async () => {
  cluster = await Cluster.create({
    outDir: out,
    topology: buildTopology(parseTopologySpec({ generator: { type: 'ring' } }, 'test'), { n: 4, seed: 1 }),
    // Run until stopped: the test ends the run once it has seen what it needs, whatever the pace.
    rounds: 0,
    task: {
      seed: 5,
      dataset: { type: 'synthetic', samples: 4000, dim: 20, classes: 4, separation: 4 },
      partition: { type: 'dirichlet', alpha: 1 },
      model: { type: 'logreg' },
      // No residual-triggered keyframes: the only keyframe is the victim's after its restart.
      node: {
        localSteps: 40,
        batchSize: 16,
        codec: { name: 'topk', fraction: 0.25 },
        keyframeResidual: 0,
        deadline: { capMs: 2000 },
      },
    },
    learning: {
      checkpointEvery: 5,
      eval: { every: 10, testSamples: 400 },
    },
    // Keyframes (full models, here ~400 B) go over the sync stream instead of pubsub.
    daemon: { startupWaitMs: 10_000, keyframeViaSyncBytes: 256 },
  });
  const c = cluster;
  const victim = 3;
  const others = [0, 1, 2];
  c.startAll();
  await c.waitFor('every daemon past round 10', (s) => s.every((x) => x !== null && x.round >= 10), 45_000);

  await c.kill(victim, 'SIGKILL');
  const atKill = await c.statuses();
  const base = Math.min(...others.map((i) => atKill[i]!.round));
  // No stall: every survivor, including the victim's two ring neighbours, closes more rounds.
  await c.waitFor(
    `survivors 5 rounds past ${base}`,
    (s) => others.every((i) => s[i] !== null && s[i]!.round >= base + 5),
    30_000,
  );

  c.start(victim);
  // A process start (imports, tfjs, the dataset) took 10-100 s when the 2-core machine was loaded.
  const back = await c.waitFor('the victim to answer /status', (s) => s[victim] !== null, 150_000);
  const resumed = back[victim]!;
  const backAt = c.info(victim)!.startedAt;
  assert.ok(
    resumed.resumedFromCheckpoint !== null && resumed.resumedFromCheckpoint > 0,
    `resumed from ${resumed.resumedFromCheckpoint}`,
  );
  assert.ok(resumed.round > 0, 'starts from its checkpoint round, not 0');

  const rejoinRound = Math.max(resumed.round, ...others.map((i) => back[i]?.round ?? 0));
  // Rejoined: both ring neighbours aggregate the victim's updates again (used = 2) in a round that
  // started after it came back, and every daemon has been evaluated since, above the floor.
  const usedVictimAgain = (i: number): boolean =>
    c.lines().some((l) => l.index === i && l.startedAt > backAt && l.round > rejoinRound + 2 && l.used === 2);
  const done = await c.waitFor(
    'both neighbours using the victim again and every daemon evaluated above 0.9',
    (s) =>
      s.every(
        (x) =>
          x !== null &&
          x.round >= rejoinRound + 20 &&
          (x.evaluatedRound as number) > rejoinRound &&
          (x.accuracy ?? 0) > 0.9,
      ) && [0, 2].every(usedVictimAgain),
    60_000,
  );
  const v = done[victim]!;
  // Graceful stop (SIGTERM): each daemon flushes a checkpoint and leaves before exiting.
  await c.stopAll(10_000);
  for (let i = 0; i < 4; i++) {
    assert.match(readFileSync(join(c.dir(i), 'daemon.log'), 'utf8'), /"msg":"stopped"/, `daemon ${i} stopped cleanly`);
    assert.ok(existsSync(join(c.dir(i), FILES.checkpoint)));
  }
  // The rejoin pulled state from both ring neighbours (join asks each and keeps the most advanced).
  const vt = v.transport as { syncRequests: number; keyframesViaSync: number };
  assert.ok(vt.syncRequests >= 2, JSON.stringify(vt));
  // Its first update after the restart was a keyframe: left to the stream protocol, not pubsub.
  assert.ok(vt.keyframesViaSync >= 1, JSON.stringify(vt));
  for (const x of done)
    assert.ok(x!.accuracy! > 0.9, `accuracies ${done.map((y) => y?.accuracy).join(', ')}; rounds ${rounds(done)}`);

  const lines = c.lines();
  const afterRestart = lines.filter((l) => l.index === victim && l.startedAt >= backAt);
  assert.ok(afterRestart.length > 3, `victim logged ${afterRestart.length} rounds after its restart`);
  assert.ok(
    afterRestart.some((l) => l.used === 2),
    'victim used both neighbours again',
  );
  // The joiner caught up instead of replaying from its checkpoint: its first round after the
  // restart is within 2 of the round its neighbours had reached when it came back up.
  const first = afterRestart[0]!.round;
  const front = Math.max(...lines.filter((l) => l.index !== victim && l.closedAt <= backAt).map((l) => l.round));
  assert.ok(first >= front - 2, `first round after restart ${first}, neighbours were at ${front}`);
});
