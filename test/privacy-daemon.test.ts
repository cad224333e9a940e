/**
 * Two real daemons with DP training and a small targetEpsilon: ε is in /status, /metrics (valid
 * Prometheus text), rounds.jsonl and privacy.json; the budget stops training and publishing with a
 * warning; a restart keeps the spent budget instead of starting over, and a ledger spent under
 * other parameters stops the daemon at startup (one line, exit 2).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, readRoundLines, type NodeStatus } from '../src/cluster/cluster.ts';
import { PAIR_DATASET, pairTopology } from './support/daemon-pair.ts';

const out = mkdtempSync(join(tmpdir(), 'gl-dp-daemon-'));
let cluster: Cluster | null = null;

after(async () => {
  await cluster?.stopAll(5000);
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

type Privacy = { epsilon: number; steps: number; stopped: boolean; targetEpsilon: number | null };

const budgetStopped = (s: NodeStatus | null): boolean => (s?.privacy as Privacy | null | undefined)?.stopped === true;

test('daemons report ε, stop at targetEpsilon, keep the budget over a restart', { timeout: 120_000 }, async () => {
  cluster = await Cluster.create({
    outDir: out,
    network: 'dp-test',
    topology: pairTopology(),
    rounds: 0,
    task: {
      dataset: PAIR_DATASET,
      model: { type: 'logreg' },
      node: {
        localSteps: 4,
        batchSize: 50,
        deadline: { capMs: 500 },
        privacy: { clip: 1, noiseMultiplier: 1.2, delta: 1e-5, targetEpsilon: 2, mode: 'dp-sgd' },
      },
    },
    learning: { eval: { every: 1, testSamples: 200 } },
    daemon: { startupWaitMs: 10_000 },
  });
  const c = cluster;
  c.startAll();
  const s = await c.waitFor('node 0 stopped by its budget', (st) => budgetStopped(st[0]!), 90_000);
  const p = s[0]!.privacy as Privacy;
  assert.ok(p.epsilon > 0 && p.epsilon <= 2, `ε ${p.epsilon}`);
  assert.equal(p.targetEpsilon, 2);
  assert.equal(p.steps % 4, 0);

  const metrics = (await c.metrics(0))!;
  const exposition = /^# HELP gl_privacy_epsilon .+\n# TYPE gl_privacy_epsilon gauge\ngl_privacy_epsilon ([\d.e+-]+)$/m;
  const gauge = exposition.exec(metrics);
  assert.ok(gauge, 'gl_privacy_epsilon is a well-formed gauge');
  assert.equal(Number(gauge[1]), p.epsilon);
  assert.match(metrics, /^gl_privacy_budget_reached 1$/m);

  const log = readFileSync(join(c.dir(0), 'daemon.log'), 'utf8');
  const warn = log
    .split('\n')
    .filter((l) => l.includes('privacy budget reached'))
    .map((l) => JSON.parse(l) as { level: number });
  assert.equal(warn.length, 1);
  assert.equal(warn[0]!.level, 40, 'logged at warn');

  // /status says stopped as the stopped round starts; its line is written when it closes.
  const roundsFile = join(c.dir(0), 'rounds.jsonl');
  await c.waitFor(
    'a stopped round in rounds.jsonl',
    () => readRoundLines(roundsFile).some((l) => l.privacy?.stopped),
    10_000,
  );
  const lines = readRoundLines(roundsFile);
  const stopped = lines.filter((l) => l.privacy?.stopped);
  assert.ok(stopped.length > 0 && stopped.every((l) => l.bytesSentPayload === 0 && l.privacy!.steps === p.steps));
  const ledger = JSON.parse(readFileSync(join(c.dir(0), 'privacy.json'), 'utf8')) as { steps: number; epsilon: number };
  assert.equal(ledger.steps, p.steps);

  // SIGKILL and restart: the budget is still spent, so it does not train again.
  await c.kill(0);
  c.start(0);
  const again = await c.waitFor('node 0 back', (st) => budgetStopped(st[0]!), 60_000);
  assert.equal((again[0]!.privacy as Privacy).steps, p.steps);

  // A ledger spent with another σ: refusing beats silently starting a fresh budget on the same data.
  await c.kill(0);
  const ledgerFile = join(c.dir(0), 'privacy.json');
  writeFileSync(ledgerFile, JSON.stringify({ ...ledger, noiseMultiplier: 0.5 }));
  const args = ['src/cli/main.ts', 'node', '--config', join(c.dir(0), 'config.json')];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  const refused = /^error: .*privacy\.json: noiseMultiplier: budget was spent with 0\.5, the config now gives 1\.2/m;
  assert.match(r.stderr, refused);
});
