/**
 * Testnet in a box: one bootstrap node and N joiners on loopback (real `gossiplearn testnet`
 * processes), with churn, and the live dashboard to watch it.
 *
 *   node_modules/.bin/node scripts/testnet-box.ts --joiners 4 --rounds 1000 [--relay-only 1] \
 *     [--kill 1 --kill-after-s 10 --restart-after-s 5] [--manifest testnets/local.json] [--out DIR] [--keep]
 *
 * Joiners 0..relay-only-1 have no listen address: they are reached only through the bootstrap's
 * relay. Each process logs to <out>/<name>/daemon.log; the box's manifest is <out>/manifest.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sleep } from '../src/daemon/cluster.ts';
import { TestnetBox } from '../src/testnet/box.ts';
import type { NetworkSnapshot } from '../src/testnet/network-view.ts';
import { ConfigError } from '../src/util/validate.ts';

const { values: a } = parseArgs({
  options: {
    joiners: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '1000' },
    'relay-only': { type: 'string', default: '1' },
    kill: { type: 'string', default: '0' },
    'kill-after-s': { type: 'string', default: '5' },
    'restart-after-s': { type: 'string' },
    'timeout-s': { type: 'string', default: '600' },
    manifest: { type: 'string', default: 'testnets/local.json' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

function int(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
}

async function main(): Promise<void> {
  const joiners = int('joiners', a.joiners, 1);
  const rounds = int('rounds', a.rounds, 1);
  const relayOnly = Math.min(joiners, int('relay-only', a['relay-only'], 0));
  const kill = Math.min(joiners, int('kill', a.kill, 0));
  const killAfterMs = 1000 * int('kill-after-s', a['kill-after-s'], 0);
  const restartAfterMs = a['restart-after-s'] === undefined ? null : 1000 * int('restart-after-s', a['restart-after-s'], 0);
  const timeoutMs = 1000 * int('timeout-s', a['timeout-s'], 1);
  const out = a.out ? resolve(a.out) : mkdtempSync(join(tmpdir(), 'gl-testnet-box-'));
  const box = await TestnetBox.create({ outDir: out, manifest: a.manifest! });
  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`stopping (${why})...`);
    await box.stopAll();
    if (!a.keep && !a.out) rmSync(out, { recursive: true, force: true });
    else console.log(`logs and data: ${out}`);
  };
  process.once('SIGINT', () => void stop('SIGINT').then(() => process.exit(130)));

  try {
    box.startBootstrap();
    const info = await box.waitFor('the bootstrap node', async () => box.info('bootstrap'), 30_000);
    console.log(`manifest:  ${box.manifestPath} (network ${box.manifest.network}, task ${box.manifest.taskHash})`);
    console.log(`bootstrap: ${box.manifest.bootstrap[0]}`);
    console.log(`dashboard: ${info.http}/dashboard`);
    for (let i = 0; i < joiners; i++) box.startJoiner(i, { relayOnly: i < relayOnly, rounds });
    const started = Date.now();
    let killed: number[] = [];
    let restartAt = Infinity;
    for (let lastPrint = 0; ; await sleep(1000)) {
      const crash = [...box.crashes][0];
      if (crash) throw new Error(`${crash[0]} ${crash[1]}`);
      const now = Date.now();
      if (kill > 0 && killed.length === 0 && now - started >= killAfterMs) {
        killed = Array.from({ length: kill }, (_, k) => joiners - 1 - k);
        for (const i of killed) await box.kill(box.joinerName(i));
        console.log(`churn: kill -9 ${killed.map((i) => box.joinerName(i)).join(', ')}`);
        restartAt = restartAfterMs === null ? Infinity : now + restartAfterMs;
      }
      if (now >= restartAt) {
        for (const i of killed) box.startJoiner(i);
        console.log(`churn: restarted ${killed.map((i) => box.joinerName(i)).join(', ')} (they resume from their checkpoints)`);
        restartAt = Infinity;
      }
      const net = await box.get<NetworkSnapshot>('bootstrap', '/network');
      if (net && now - lastPrint >= 5000) {
        lastPrint = now;
        const row = net.peers.map((p) => `${p.peerId.slice(-6)} r${p.round} ${p.accuracy === null ? '-' : (100 * p.accuracy).toFixed(1) + '%'}`).join(' | ');
        console.log(`${((now - started) / 1000).toFixed(0)} s: ${net.peers.length} peers, ${net.links.length} links: ${row}`);
      }
      const running = Array.from({ length: joiners }, (_, i) => i).filter((i) => box.isRunning(box.joinerName(i)));
      const statuses = await Promise.all(running.map((i) => box.get<{ round: number; finished: boolean }>(box.joinerName(i), '/status')));
      const churnDone = kill === 0 || (killed.length > 0 && (restartAfterMs === null || restartAt === Infinity));
      if (churnDone && statuses.length > 0 && statuses.every((s) => s?.finished)) {
        console.log(`every running joiner finished ${rounds} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        break;
      }
      if (now - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s`);
    }
  } finally {
    await stop('done');
  }
}

try {
  await main();
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(e instanceof ConfigError ? 2 : 1);
}
