/**
 * `cluster` churn, end to end with real daemons: the kill lands in the requested round, the victim
 * is restarted while the others are still training, resumes exactly what its checkpoint on disk
 * held, and then closes rounds with live neighbours (aggregating their updates), instead of
 * coming back after the end and copying a final model. The report marks the churn and draws no
 * empty chart; wire bytes are not below the update bytes they carry.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { roundsWithSurvivors, runCluster, writeClusterOutputs } from '../src/cluster/cluster-run.ts';
import type { ClusterRunOptions } from '../src/cluster/cluster-run.ts';
import { buildTopology, parseTopologySpec } from '../src/topology/index.ts';

const out = mkdtempSync(join(tmpdir(), 'gl-cluster-churn-'));
after(() => {
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

const KILL_AT = 12;
const RESTART_AT = 20;
// Long enough that the survivors are still short of the end when a restarted daemon is back: a
// process start took 10-100 s on the loaded 2-core machine, while a round took 0.1-0.5 s.
const ROUNDS = 400;

const NAME = 'churn: kill in the requested round, restart mid-run, exact resume, then rounds with live neighbours';
test(NAME, { timeout: 900_000 }, async () => {
  const o: ClusterRunOptions = {
    outDir: out,
    topology: buildTopology(parseTopologySpec({ generator: { type: 'ring' } }, 'test'), { n: 4, seed: 1 }),
    rounds: ROUNDS,
    task: {
      seed: 3,
      dataset: { type: 'synthetic', samples: 4000, dim: 20, classes: 4, separation: 4 },
      partition: { type: 'iid' },
      model: { type: 'logreg' },
      node: { localSteps: 40, batchSize: 16, deadline: { capMs: 2000 } },
    },
    learning: {
      checkpointEvery: 5,
      eval: { every: 50, testSamples: 200 },
    },
    daemon: { startupWaitMs: 10_000 },
    logLevel: 'warn',
    churn: { kill: 1, killAtRound: KILL_AT, restartAfterMs: null, restartAtRound: RESTART_AT, seed: 1 },
    timeoutMs: 840_000,
  };
  const r = await runCluster(o);
  const victim = r.killed[0]!;
  const victims = new Set(r.killed);
  assert.equal(r.kills.length, 1);
  const kill = r.kills[0]!;

  // The kill landed in the requested round: the victim's last round before it was the one before.
  assert.equal(kill.round, KILL_AT, `killed in round ${kill.round}, asked ${KILL_AT}`);
  const before = r.lines.filter((l) => l.index === victim && l.closedAt <= kill.at).map((l) => l.round);
  assert.equal(Math.max(...before), KILL_AT - 1);
  // checkpointEvery 5: the last checkpoint before round 12 is the one written entering round 10.
  assert.equal(kill.checkpoint?.round, 10);

  // Back up while every survivor was still short of the target, and resumed exactly.
  const back = r.restarts[0]!;
  assert.ok(back.upAt !== null, 'the victim answered /status again');
  assert.equal(back.survivorsFinished, 0, `survivors at ${back.survivorRounds.join(' ')} of ${ROUNDS}`);
  assert.deepEqual(back.resumed, kill.checkpoint, 'resumed = the checkpoint on disk at the kill');
  assert.equal(back.exact, true);

  // It then trained with them: many rounds closed before the survivors finished, aggregating
  // neighbours' updates, and it ran to the end itself (logged the last round).
  const co = roundsWithSurvivors(r.lines, back, victims);
  assert.ok(co.aggregated >= 20, `victim closed ${co.closed} rounds with the survivors, ${co.aggregated} aggregating`);
  assert.ok(r.lines.some((l) => l.index === victim && l.round === ROUNDS - 1 && l.startedAt > back.at));

  // Consensus distance from the sampled checkpoints: a plotted series, not an empty box.
  const cd = r.rounds.filter((x) => Number.isFinite(x.consensusDistance) && x.consensusDistance > 0);
  assert.ok(cd.length >= 20, `${cd.length} rounds with a consensus distance`);

  // Wire bytes cover the update bytes of the same rounds (pubsub envelope on top).
  for (const c of r.costs) {
    assert.ok(c.wireSentPerRound !== null && c.wireSentPerRound >= c.appSentPerRound, JSON.stringify(c));
  }

  const html = readFileSync(await writeClusterOutputs(r, o), 'utf8');
  assert.match(html, /Churn: each kill and restart/);
  assert.equal((html.match(/<figure>/g) ?? []).length, 4, 'all four plots drawn');
  assert.doesNotMatch(html, /Not drawn/);
  assert.match(html, /stroke-dasharray/, 'kill/restart rules drawn');
});
