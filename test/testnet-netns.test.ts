/**
 * A testnet across hosts: a bootstrap node, two joiners and a relay-only joiner, each in its own
 * network namespace on a veth bridge (10.77.0.0/24, the bridge in a namespace of its own), started
 * with default listen settings (no --listen). The joiners find each other through the bootstrap,
 * link directly (and through the relay for the relay-only one) and accept each other's updates.
 * Needs root and `ip netns`; skipped with the reason otherwise. Every namespace is removed after.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../src/cluster/cluster.ts';
import { DaemonProcesses } from '../src/cluster/processes.ts';
import { createIdentityFile } from '../src/p2p/identity.ts';
import { writeFileAtomic } from '../src/util/atomic-write.ts';
import type { DaemonStatus, NeighbourStatus } from '../src/daemon/status.ts';

const PREFIX = `gl-t${process.pid}-`;
const BRIDGE_NS = `${PREFIX}br`;
const HOSTS = [
  { name: 'bootstrap', ns: `${PREFIX}b`, ip: '10.77.0.1' },
  { name: 'joiner-0', ns: `${PREFIX}j0`, ip: '10.77.0.2' },
  { name: 'joiner-1', ns: `${PREFIX}j1`, ip: '10.77.0.3' },
  { name: 'joiner-2', ns: `${PREFIX}j2`, ip: '10.77.0.4', relayOnly: true },
];
const created: string[] = [];
const procs = new DaemonProcesses();
const out = mkdtempSync(join(tmpdir(), 'gl-netns-'));

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function addNamespace(ns: string): void {
  ip('netns', 'add', ns);
  created.push(ns);
  ip('-n', ns, 'link', 'set', 'lo', 'up');
}

/** Why network namespaces cannot be used here, or null when they can. */
function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root: creating network namespaces needs root';
  const probe = `${PREFIX}probe`;
  try {
    ip('netns', 'add', probe);
    ip('-n', probe, 'link', 'add', 'br0', 'type', 'bridge');
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    return err.code === 'ENOENT' ? 'ip (iproute2) not found' : `ip netns unusable: ${String(err.stderr ?? e).trim()}`;
  } finally {
    try {
      ip('netns', 'del', probe);
    } catch {
      // never created
    }
  }
  return null;
}

function buildNetwork(): void {
  addNamespace(BRIDGE_NS);
  ip('-n', BRIDGE_NS, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', BRIDGE_NS, 'link', 'set', 'br0', 'up');
  HOSTS.forEach((h, i) => {
    addNamespace(h.ns);
    ip('-n', BRIDGE_NS, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns);
    ip('-n', BRIDGE_NS, 'link', 'set', `v${i}`, 'master', 'br0');
    ip('-n', BRIDGE_NS, 'link', 'set', `v${i}`, 'up');
    ip('-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0');
    ip('-n', h.ns, 'link', 'set', 'eth0', 'up');
  });
}

after(async () => {
  await procs.stopAll(5000);
  for (const ns of created.reverse()) {
    try {
      ip('netns', 'del', ns);
    } catch (e) {
      console.error(`could not delete namespace ${ns}: ${(e as Error).message}`);
    }
  }
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

/** GET a JSON page of a daemon from inside its namespace (its HTTP server is on 127.0.0.1 there). */
function getJson<T>(name: string, page: string): Promise<T | null> {
  const host = HOSTS.find((h) => h.name === name)!;
  const info = procs.info(name);
  if (!info) return Promise.resolve(null);
  const script = `fetch(${JSON.stringify(info.http + page)}, { signal: AbortSignal.timeout(5000) })
    .then((r) => r.text()).then((t) => process.stdout.write(t), () => process.exit(1))`;
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', host.ns, process.execPath, '-e', script], { timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve(null);
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        resolve(null);
      }
    });
  });
}

type Status = DaemonStatus;
type Neighbour = NeighbourStatus;

const unavailable = netnsUnavailable();
if (unavailable) console.log(`skipping the network-namespace testnet: ${unavailable}`);

const TITLE = 'a testnet across network namespaces links directly and through the relay with default listen settings';
/** The daemons' warnings and errors, for a failure message. */
function warnings(): string[] {
  return HOSTS.flatMap((h) => {
    let log = '';
    try {
      log = readFileSync(join(out, h.name, 'daemon.log'), 'utf8');
    } catch {
      return [`${h.name}: no log`];
    }
    const bad = log.split('\n').filter((l) => /"level":[4-6]0/.test(l));
    return bad.slice(-8).map((l) => `${h.name}: ${l.slice(0, 400)}`);
  });
}

test(TITLE, { timeout: 200_000, skip: unavailable ?? false }, async () => {
  buildNetwork();
  const bootKey = await createIdentityFile(join(out, 'bootstrap', 'peer.key'));
  const source = JSON.parse(readFileSync('testnets/local.json', 'utf8')) as Record<string, unknown>;
  const manifest = join(out, 'manifest.json');
  const bootAddr = `/ip4/10.77.0.1/tcp/4001/p2p/${bootKey.peerId}`;
  writeFileAtomic(manifest, JSON.stringify({ ...source, bootstrap: [bootAddr] }, null, 2));
  // Default listen settings: no --listen, no --http-host.
  const run = (h: (typeof HOSTS)[number], args: string[]): void => {
    const dir = join(out, h.name);
    procs.start(h.name, dir, ['testnet', ...args, '--data-dir', dir], ['ip', 'netns', 'exec', h.ns]);
  };
  run(HOSTS[0]!, ['bootstrap', manifest]);
  // The joiners would find a late bootstrap node too (they redial it), but not within the test's time.
  for (const t = Date.now(); !procs.info('bootstrap'); await sleep(200)) {
    if (procs.firstCrash()) assert.fail(`the bootstrap node crashed: ${procs.firstCrash()}`);
    if (Date.now() - t > 60_000) assert.fail('the bootstrap node did not start within 60 s');
  }
  HOSTS.slice(1).forEach((h, i) => {
    run(h, ['join', manifest, '--shard', String(i), ...(h.relayOnly ? ['--relay-only'] : [])]);
  });

  const names = HOSTS.slice(1).map((h) => h.name);
  const from = (s: Status, peer: string): Neighbour | undefined => s.neighbours.find((n) => n.id === peer);
  const hears = (a: Status, b: Status, path: string): boolean =>
    from(a, b.peerId)?.path === path && (from(a, b.peerId)?.updates.accepted ?? 0) >= 3;
  const linked = (a: Status, b: Status, path: string): boolean => hears(a, b, path) && hears(b, a, path);
  let s: Array<Status | null> = [];
  const deadline = Date.now() + 120_000;
  for (;;) {
    const crash = procs.firstCrash();
    if (crash) assert.fail(`a process crashed: ${crash}`);
    s = await Promise.all(names.map((n) => getJson<Status>(n, '/status')));
    const [s0, s1, s2] = s;
    const evaluated = s.every((x) => x !== null && x.accuracy !== null);
    if (s0 && s1 && s2 && linked(s0, s1, 'direct') && linked(s0, s2, 'relayed') && evaluated) break;
    if (Date.now() > deadline) {
      const seen = s.map((x) => x && { peer: x.peerId, round: x.round, addr: x.addresses, neighbours: x.neighbours });
      assert.fail(`timed out; statuses: ${JSON.stringify(seen)}\nwarnings:\n${warnings().join('\n')}`);
    }
    await sleep(1500);
  }
  const [s0, s1, s2] = s as Status[];
  const links = (x: Status): string =>
    x.neighbours.map((n) => `${n.id.slice(-6)}:${n.path}:${n.updates.accepted}`).join(',');
  const summary = s.map((x, i) => `${names[i]} ${x!.peerId.slice(-6)} r${x!.round} acc ${x!.accuracy} ${links(x!)}`);
  console.log(`netns testnet:\n  ${summary.join('\n  ')}`);
  // Announced where the other hosts can reach it: its namespace address, never loopback.
  const all = (x: Status, prefix: string): boolean =>
    x.addresses.length > 0 && x.addresses.every((a) => a.startsWith(prefix));
  assert.ok(all(s0!, '/ip4/10.77.0.2/tcp/'), `joiner-0 announces ${s0!.addresses}`);
  assert.ok(all(s1!, '/ip4/10.77.0.3/tcp/'), `joiner-1 announces ${s1!.addresses}`);
  assert.ok(all(s2!, `${bootAddr}/p2p-circuit`), `joiner-2 (relay-only) announces ${s2!.addresses}`);
  for (const x of s) assert.equal(x!.isolated, false);
  assert.ok(
    s.every((x) => x!.accuracy! > 0.4),
    `accuracies ${s.map((x) => x!.accuracy)}`,
  );
});
