/**
 * Startup problems of `gossiplearn node` are one line naming the key or the file, exit code 2,
 * no stack trace and no hang; a second daemon on a dataDir in use refuses and touches nothing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint } from '../src/daemon/checkpoint.ts';
import { FILES } from '../src/daemon/files.ts';
import { runCli, waitFor, type CliResult } from './support/cli.ts';
import { fetchStatus, loneDaemonConfig, startDaemon, writeConfig } from './support/lone-daemon.ts';

const root = mkdtempSync(join(tmpdir(), 'gl-startup-'));
// Readable by an unprivileged user: the unwritable-dataDir case runs the CLI as "nobody" when we are root.
chmodSync(root, 0o755);
const running: Array<{ kill: () => void }> = [];
after(() => {
  for (const r of running) r.kill();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function caseDir(): string {
  const dir = join(root, `case-${n++}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}

function assertOneLineError(r: CliResult, re: RegExp, what: string): void {
  assert.equal(r.timedOut, false, `${what}: hung (killed after ${r.ms} ms)`);
  assert.equal(r.code, 2, `${what}: exit code ${r.code}; stderr:\n${r.stderr}`);
  // Structured log records (JSON lines) may come first; the problem itself is one plain line.
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('{"level":'));
  assert.equal(lines.length, 1, `${what}: expected one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: /, what);
  assert.match(lines[0]!, re, what);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: stack trace`);
}

const node = (config: string, spawn = {}): Promise<CliResult> =>
  runCli(['node', '-c', config], { timeoutMs: 30_000, spawn });

test('a dataDir that is a file, not creatable (under /proc) or not writable: one line naming it, exit 2', async () => {
  const asFile = caseDir();
  writeFileSync(join(asFile, 'data'), 'not a directory');
  assertOneLineError(
    await node(writeConfig(asFile, loneDaemonConfig())),
    /node\.json: dataDir: .*\/data exists and is not a directory/,
    'dataDir is a file',
  );

  const proc = caseDir();
  const r = await node(writeConfig(proc, loneDaemonConfig({ dataDir: '/proc/gl-no-such-dir/data' })));
  assertOneLineError(r, /dataDir: cannot create \/proc\/gl-no-such-dir \(ENOENT\)/, 'dataDir under /proc');

  // Root writes anywhere: run the CLI as "nobody" then, in a directory it may read but not write.
  const asRoot = process.getuid?.() === 0;
  const spawn = asRoot ? { uid: 65534, gid: 65534 } : {};
  const parent = caseDir();
  const config = writeConfig(parent, loneDaemonConfig({ dataDir: 'ro/data' }));
  mkdirSync(join(parent, 'ro'), { mode: 0o555 });
  chmodSync(join(parent, 'ro'), 0o555);
  assertOneLineError(
    await node(config, spawn),
    /dataDir: cannot create .*\/ro\/data \(EACCES\)/,
    'dataDir in a read-only parent',
  );
  const existing = caseDir();
  const config2 = writeConfig(existing, loneDaemonConfig({ dataDir: 'data' }));
  mkdirSync(join(existing, 'data'), { mode: 0o555 });
  chmodSync(join(existing, 'data'), 0o555);
  if (asRoot) chownSync(join(existing, 'data'), 0, 0);
  assertOneLineError(await node(config2, spawn), /dataDir: .*\/data is not writable \(EACCES\)/, 'read-only dataDir');
});

test('a garbage http.host is refused by the config; an unresolvable or busy one on binding, in one line', async () => {
  const garbage = caseDir();
  assertOneLineError(
    await node(writeConfig(garbage, loneDaemonConfig({ http: { host: 'not a host!' } }))),
    /node\.json: http\.host: expected an IP address or a host name/,
    'garbage host',
  );
  const unresolvable = caseDir();
  assertOneLineError(
    await node(writeConfig(unresolvable, loneDaemonConfig({ http: { host: 'gl-no-such-host.invalid' } }))),
    /http: cannot listen on gl-no-such-host\.invalid:0 \((ENOTFOUND|EAI_AGAIN)\)/,
    'unresolvable host',
  );
  const busy = caseDir();
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const r = await node(writeConfig(busy, loneDaemonConfig({ http: { host: '127.0.0.1', port } })));
    assertOneLineError(r, new RegExp(`http: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`), 'busy port');
  } finally {
    server.close();
  }
});

test('a checkpoint.bin that is a directory or whose seq leaves no room: one line naming the file', async () => {
  const dir = caseDir();
  const config = writeConfig(dir, loneDaemonConfig());
  mkdirSync(join(dir, 'data', FILES.checkpoint), { recursive: true });
  assertOneLineError(
    await node(config),
    /data\/checkpoint\.bin: exists but is not a regular file/,
    'checkpoint is a directory',
  );
  assert.ok(statSync(join(dir, 'data', FILES.checkpoint)).isDirectory(), 'the directory is left where it was');
  rmSync(join(dir, 'data', FILES.checkpoint), { recursive: true });

  // A real checkpoint from a real run, then its seq set to 2^32 − 1.
  const d = startDaemon(config);
  running.push({ kill: () => d.child.kill('SIGKILL') });
  await waitFor(
    'a few rounds',
    async () => ((await fetchStatus(join(dir, 'data'), d.child.pid))?.round ?? 0) >= 2 || null,
    30_000,
  );
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
  const path = join(dir, 'data', FILES.checkpoint);
  const c = decodeCheckpoint(readFileSync(path));
  writeFileSync(path, encodeCheckpoint({ ...c, node: { ...c.node, seq: 0xffffffff } }));
  assertOneLineError(
    await node(config),
    /data\/checkpoint\.bin: seq 4294967295 leaves no room for further updates/,
    'seq 2^32-1',
  );
});

test('a second daemon on a busy dataDir refuses in one line, touches nothing; a stale lock is taken over', async () => {
  const dir = caseDir();
  const dataDir = join(dir, 'data');
  const config = writeConfig(dir, loneDaemonConfig());
  const first = startDaemon(config);
  running.push({ kill: () => first.child.kill('SIGKILL') });
  await waitFor(
    'the first daemon past its first checkpoint',
    async () => ((await fetchStatus(dataDir, first.child.pid))?.lastCheckpoint?.round ?? 0) >= 3 || null,
    30_000,
  );
  // Stop it from writing while we compare: SIGSTOP keeps the process (and its lock) alive.
  first.child.kill('SIGSTOP');
  const snapshot = (): Record<string, string> =>
    Object.fromEntries(readdirSync(dataDir).map((f) => [f, readFileSync(join(dataDir, f)).toString('base64')]));
  const before = snapshot();
  const second = await node(config);
  assertOneLineError(
    second,
    new RegExp(`node\\.json: dataDir: .*data is in use by the daemon with pid ${first.child.pid}`),
    'second daemon',
  );
  assert.deepEqual(snapshot(), before, "the second daemon changed files in the first one's dataDir");
  first.child.kill('SIGCONT');

  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok(readdirSync(dataDir).includes('daemon.lock'), 'kill -9 leaves the lock behind');
  const third = startDaemon(config);
  running.push({ kill: () => third.child.kill('SIGKILL') });
  const s = await waitFor('the restarted daemon', () => fetchStatus(dataDir, third.child.pid), 30_000);
  assert.ok(s.resumed !== null, 'resumed from the checkpoint after taking over the stale lock');
  assert.match(third.output(), /took over the stale dataDir lock/);
  third.child.kill('SIGTERM');
  assert.equal(await third.exited, 0);
  assert.ok(!readdirSync(dataDir).includes('daemon.lock'), 'a clean stop releases the lock');
});
