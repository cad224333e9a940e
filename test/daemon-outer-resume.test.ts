/**
 * A daemon running the DiLoCo outer optimizer resumes it exactly: θ_outer and the momentum go into
 * its checkpoint and come back after SIGTERM and after kill -9, compared by digest with the file on
 * disk. Changing whether `outer` is configured between runs resumes the model and says what
 * happened to the outer state.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint, type Checkpoint } from '../src/daemon/checkpoint.ts';
import { FILES } from '../src/daemon/files.ts';
import { outerStateDigest, paramsDigest } from '../src/daemon/params-digest.ts';
import { Rng } from '../src/util/rng.ts';
import { waitFor, type CliProcess } from './support/cli.ts';
import { fetchStatus, loneDaemonConfig, startDaemon, writeConfig, type LoneStatus } from './support/lone-daemon.ts';

const root = mkdtempSync(join(tmpdir(), 'gl-outer-resume-'));
const live = new Set<CliProcess>();
after(() => {
  for (const p of live) p.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function start(config: string): CliProcess {
  const p = startDaemon(config);
  live.add(p);
  void p.exited.then(() => live.delete(p));
  return p;
}

const status = (dataDir: string, p: CliProcess): Promise<LoneStatus> =>
  waitFor('/status', () => fetchStatus(dataDir, p.child.pid), 30_000);

const roundAtLeast = (dataDir: string, p: CliProcess, r: number): Promise<true> =>
  waitFor(`round ${r}`, async () => ((await fetchStatus(dataDir, p.child.pid))?.round ?? 0) >= r || null, 60_000);

function onDisk(dataDir: string): Checkpoint {
  return decodeCheckpoint(readFileSync(join(dataDir, FILES.checkpoint)));
}

const OUTER_WARNING = '"checkpoint and config differ on the outer optimizer"';

test('outer optimizer state survives SIGTERM and kill -9 bit-exactly; dropping or adding `outer` is said', {
  timeout: 240_000,
}, async () => {
  const dir = join(root, 'outer');
  const dataDir = join(dir, 'data');
  // Two fragments: outside the synchronised one θ_outer lags the model, so a reset anchor shows too.
  const node = {
    localSteps: 10,
    batchSize: 16,
    optimizer: { type: 'momentum', lr: 0.05, momentum: 0.9 },
    gossip: 'direct',
    outer: { lr: 0.7, momentum: 0.9, fragments: 2 },
  };
  const outerConfig = loneDaemonConfig({}, { checkpointEvery: 3 }, { node });
  const configPath = writeConfig(dir, outerConfig);

  const first = start(configPath);
  await roundAtLeast(dataDir, first, 6);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  const final = first
    .output()
    .split('\n')
    .filter((l) => l.includes('"final checkpoint written"'))
    .map((l) => JSON.parse(l) as { checkpoint: { round: number; paramsHash: string; outerHash: string } })
    .map((l) => l.checkpoint)[0];
  assert.ok(final, `no final checkpoint in the log:\n${first.output().slice(-2000)}`);
  const disk = onDisk(dataDir);
  assert.ok(disk.node.outer, 'the checkpoint on disk holds the outer state');
  const anchorAndM = disk.node.outer;
  const { anchor, velocity } = anchorAndM;
  assert.ok(
    velocity.some((m) => m !== 0),
    'the momentum is not zero (a reset would be visible)',
  );
  assert.ok(
    anchor.some((a, i) => a !== disk.node.params[i]),
    'θ_outer differs from the model (so would a reset)',
  );
  assert.deepEqual(
    { round: disk.node.round, paramsHash: paramsDigest(disk.node.params), outerHash: outerStateDigest(anchorAndM) },
    final,
    'the checkpoint on disk is the one the daemon said it wrote',
  );

  const second = start(configPath);
  const s = await status(dataDir, second);
  assert.ok(s.resumed, 'the restarted daemon resumed');
  assert.deepEqual(
    { round: s.resumed.round, paramsHash: s.resumed.paramsHash, outerHash: s.resumed.outerHash },
    final,
    'resumed with the outer state it saved',
  );
  const reset = outerStateDigest({ anchor: disk.node.params, velocity: new Float32Array(velocity.length) });
  assert.notEqual(s.resumed.outerHash, reset);
  assert.match(s.outerHash ?? '', /^[0-9a-f]{16}$/);

  // kill -9 at a random moment after some progress: the restart holds what the file on disk holds.
  await roundAtLeast(dataDir, second, s.resumed.round + 4);
  await new Promise((r) => setTimeout(r, Math.floor(new Rng(7).next() * 1500)));
  second.child.kill('SIGKILL');
  await second.exited;
  const killed = onDisk(dataDir);
  assert.ok(killed.node.round > final.round, `a checkpoint was written after the resume (round ${killed.node.round})`);
  const third = start(configPath);
  const t = await status(dataDir, third);
  assert.ok(t.resumed, 'resumed after kill -9');
  assert.deepEqual(
    { round: t.resumed.round, outerHash: t.resumed.outerHash },
    { round: killed.node.round, outerHash: outerStateDigest(killed.node.outer) },
    'after kill -9 the outer state is the one on disk',
  );
  for (const p of [first, second]) assert.ok(!p.output().includes(OUTER_WARNING), 'no outer warning with `outer` kept');
  assert.ok(!third.output().includes(OUTER_WARNING));
  third.child.kill('SIGTERM');
  assert.equal(await third.exited, 0);

  // `outer` taken out of the config: the model resumes, the outer state is dropped, with a warning.
  writeConfig(dir, loneDaemonConfig({}, { checkpointEvery: 3 }, { node: { ...node, outer: undefined } }));
  const saved = onDisk(dataDir);
  const fourth = start(configPath);
  const u = await status(dataDir, fourth);
  assert.deepEqual(
    { round: u.resumed?.round, paramsHash: u.resumed?.paramsHash, outerHash: u.resumed?.outerHash, now: u.outerHash },
    { round: saved.node.round, paramsHash: paramsDigest(saved.node.params), outerHash: null, now: null },
  );
  await waitFor('the warning', () => fourth.output().includes(OUTER_WARNING) || null, 10_000);
  assert.match(fourth.output(), /config has no `outer`: that state is dropped/);
  fourth.child.kill('SIGTERM');
  assert.equal(await fourth.exited, 0);
  const plain = onDisk(dataDir);
  assert.equal(plain.node.outer, undefined, 'a node without `outer` writes no outer state');
  assert.equal(readFileSync(join(dataDir, FILES.checkpoint)).readUInt32LE(4), 1, 'and so a version-1 file');

  // `outer` added back: it starts from the resumed model with zero momentum, and says so.
  writeConfig(dir, outerConfig);
  const fifth = start(configPath);
  const w = await status(dataDir, fifth);
  const fresh = { anchor: plain.node.params, velocity: new Float32Array(plain.node.params.length) };
  assert.deepEqual(
    { round: w.resumed?.round, paramsHash: w.resumed?.paramsHash, outerHash: w.resumed?.outerHash },
    { round: plain.node.round, paramsHash: paramsDigest(plain.node.params), outerHash: outerStateDigest(fresh) },
  );
  await waitFor('the warning', () => fifth.output().includes(OUTER_WARNING) || null, 10_000);
  assert.match(fifth.output(), /no outer-optimizer state .*momentum 0/);
  fifth.child.kill('SIGTERM');
  assert.equal(await fifth.exited, 0);
  assert.deepEqual(
    readdirSync(dataDir).filter((f) => f.includes('.rejected-')),
    [],
    'no checkpoint was ever refused',
  );
});
