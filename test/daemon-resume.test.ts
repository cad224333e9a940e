/**
 * Exact resume through real processes and real files: a daemon stopped with SIGTERM restarts at the
 * round it stopped with bit-identical parameters; after kill -9 at random moments it restarts from
 * exactly what its last checkpoint on disk holds, losing at most the rounds since that checkpoint.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint } from '../src/daemon/checkpoint.ts';
import { FILES } from '../src/daemon/files.ts';
import { outerStateDigest, paramsDigest } from '../src/daemon/params-digest.ts';
import { Rng } from '../src/util/rng.ts';
import { waitFor, type CliProcess } from './support/cli.ts';
import { fetchStatus, loneDaemonConfig, startDaemon, writeConfig, type LoneStatus } from './support/lone-daemon.ts';

const root = mkdtempSync(join(tmpdir(), 'gl-resume-'));
const live = new Set<CliProcess>();
after(() => {
  for (const p of live) p.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const CHECKPOINT_EVERY = 3;

function start(config: string): CliProcess {
  const p = startDaemon(config);
  live.add(p);
  void p.exited.then(() => live.delete(p));
  return p;
}

interface Line {
  round: number;
  accuracy?: number;
}

function roundLines(dataDir: string): Line[] {
  const path = join(dataDir, FILES.rounds);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((t) => {
      try {
        return [JSON.parse(t) as Line];
      } catch {
        return []; // a line torn by kill -9
      }
    });
}

function onDisk(dataDir: string): { round: number; paramsHash: string; outerHash: string | null } {
  const c = decodeCheckpoint(readFileSync(join(dataDir, FILES.checkpoint)));
  return { round: c.node.round, paramsHash: paramsDigest(c.node.params), outerHash: outerStateDigest(c.node.outer) };
}

const status = (dataDir: string, p: CliProcess): Promise<LoneStatus> =>
  waitFor('/status', () => fetchStatus(dataDir, p.child.pid), 30_000);

test('SIGTERM at round r: the restart is at round r with the same parameters and accuracy', {
  timeout: 120_000,
}, async () => {
  const dir = join(root, 'sigterm');
  const dataDir = join(dir, 'data');
  const config = writeConfig(dir, loneDaemonConfig({}, { checkpointEvery: CHECKPOINT_EVERY }));
  const first = start(config);
  await waitFor(
    'round 8',
    async () => ((await fetchStatus(dataDir, first.child.pid))?.round ?? 0) >= 8 || null,
    60_000,
  );
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  const final = first
    .output()
    .split('\n')
    .filter((l) => l.includes('"final checkpoint written"'))
    .map((l) => JSON.parse(l) as { checkpoint: { round: number; paramsHash: string; outerHash: null } })
    .map((l) => l.checkpoint)[0];
  assert.ok(final, `no final checkpoint in the log:\n${first.output().slice(-2000)}`);
  assert.deepEqual(onDisk(dataDir), final, 'the checkpoint on disk is the one the daemon said it wrote');
  const lastEval = roundLines(dataDir)
    .filter((l) => l.accuracy !== undefined)
    .at(-1)!;
  assert.ok(lastEval.round >= 7 && lastEval.accuracy! > 0.5, `last evaluation ${JSON.stringify(lastEval)}`);

  const second = start(config);
  const s = await status(dataDir, second);
  assert.ok(s.resumed, 'the restarted daemon resumed');
  assert.equal(s.resumed.round, final.round, 'resumed at the round it stopped');
  assert.equal(s.resumed.paramsHash, final.paramsHash, 'resumed with bit-identical parameters');
  const m = s.memory;
  assert.ok(
    m.heapUsedBytes > 0 && m.heapUsedBytes <= m.heapTotalBytes && m.heapTotalBytes < m.rssBytes,
    'V8 heap in RSS',
  );
  assert.ok(m.wasmBytes !== null && m.wasmBytes > 0 && m.wasmBytes < m.rssBytes, `wasm memory ${m.wasmBytes}`);
  assert.ok(
    Math.abs(s.resumed.accuracy - lastEval.accuracy!) <= 0.02,
    `accuracy ${s.resumed.accuracy} vs ${lastEval.accuracy} before the stop`,
  );
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});

test('kill -9 at 10 random times: each restart resumes exactly from its checkpoint on disk, losing only later rounds', {
  timeout: 240_000,
}, async () => {
  const dir = join(root, 'sigkill');
  const dataDir = join(dir, 'data');
  const config = writeConfig(dir, loneDaemonConfig({}, { checkpointEvery: CHECKPOINT_EVERY }));
  const rng = new Rng(20261201);
  let p = start(config);
  await status(dataDir, p);
  let previousRound = 0;
  for (let kill = 0; kill < 10; kill++) {
    // Let it train past where it resumed, then kill at a random moment inside a round or a checkpoint write.
    await waitFor(
      'progress',
      async () => ((await fetchStatus(dataDir, p.child.pid))?.round ?? 0) > previousRound + 1 || null,
      60_000,
    );
    await new Promise((r) => setTimeout(r, Math.floor(rng.next() * 1500)));
    p.child.kill('SIGKILL');
    await p.exited;
    const lines = roundLines(dataDir);
    const reached = Math.max(...lines.map((l) => l.round)) + 1;
    const disk = onDisk(dataDir);
    assert.ok(
      reached - disk.round <= CHECKPOINT_EVERY,
      `kill ${kill}: reached round ${reached}, checkpoint holds ${disk.round}`,
    );

    p = start(config);
    const s = await status(dataDir, p);
    assert.ok(s.resumed, `kill ${kill}: did not resume`);
    const { round, paramsHash, outerHash } = s.resumed;
    const what = `kill ${kill}: resumed from something else than the checkpoint on disk`;
    assert.deepEqual({ round, paramsHash, outerHash }, disk, what);
    // The checkpoint holds the model right after round (r − 1) closed, which that round's line evaluated.
    const evaluated = lines.filter((l) => l.round === disk.round - 1 && l.accuracy !== undefined).at(-1);
    if (evaluated)
      assert.ok(
        Math.abs(s.resumed.accuracy - evaluated.accuracy!) <= 0.02,
        `kill ${kill}: accuracy ${s.resumed.accuracy} vs ${evaluated.accuracy}`,
      );
    previousRound = s.resumed.round;
  }
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  assert.deepEqual(
    readdirSync(dataDir).filter((f) => f.includes('.rejected-')),
    [],
    'no checkpoint was ever unusable',
  );
});
