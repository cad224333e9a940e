/**
 * Testnet in a box: one bootstrap node and N joiners on loopback (real `gossiplearn testnet`
 * processes), with churn, and the live dashboard to watch it. Run with --help for the options.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ChurnDriver, roundsWithSurvivors, type RestartRule } from '../src/cluster/churn-driver.ts';
import { readRoundLines, sleep } from '../src/cluster/cluster.ts';
import { FILES } from '../src/daemon/files.ts';
import { RoundTail, type RoundLine } from '../src/cluster/round-tail.ts';
import { TestnetBox } from '../src/cluster/testnet-box.ts';
import type { NetworkSnapshot } from '../src/testnet/network-view.ts';
import { ConfigError } from '../src/util/validate.ts';

const USAGE = `Usage: node_modules/.bin/node scripts/testnet-box.ts [options]

One bootstrap node and N joiners as separate processes on loopback, from a testnet manifest (its
bootstrap address filled in), with churn. Prints the dashboard URL and a line per 5 s from the
bootstrap's network view; stops everything once every running joiner has finished its rounds.

Options:
  --joiners <n>            joiners to start (default 4)
  --rounds <n>             rounds each joiner runs (default 1000)
  --relay-only <n>         joiners 0..n-1 are reachable only through the bootstrap's relay (default 1)
  --kill <k>               kill -9 the last k joiners (default 0)
  --kill-at-round <r>      kill each as it enters round r (default 20)
  --restart-at-round <r>   restart them once the most advanced survivor enters round r (default 40)
  --restart-after-s <s>    or restart them s seconds after the kill instead
  --no-restart             leave them down
  --timeout-s <s>          give up after s seconds (default 600)
  --manifest <file>        (default testnets/local.json)
  --out <dir>              keep logs and data here (default: a temp dir, removed unless --keep)
  --keep                   keep the temp dir
  -h, --help               this text

The killed joiners resume from their checkpoints; the script prints, per victim, the round the
kill landed in, what it resumed from (exact: digest = checkpoint on disk at the kill), where the
others were when it was back up, and how many rounds it then closed with them.
Logs: <out>/<name>/daemon.log. Everything runs on loopback; network namespaces are not used.`;

function args(): ReturnType<typeof parse> {
  try {
    return parse();
  } catch (e) {
    throw new ConfigError(`${(e as Error).message} (see --help)`);
  }
}

function parse() {
  return parseArgs({
    options: {
      joiners: { type: 'string', default: '4' },
      rounds: { type: 'string', default: '1000' },
      'relay-only': { type: 'string', default: '1' },
      kill: { type: 'string', default: '0' },
      'kill-at-round': { type: 'string', default: '20' },
      'restart-at-round': { type: 'string' },
      'restart-after-s': { type: 'string' },
      'no-restart': { type: 'boolean', default: false },
      'timeout-s': { type: 'string', default: '600' },
      manifest: { type: 'string', default: 'testnets/local.json' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

function int(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
}

type Args = ReturnType<typeof parse>;

function restartRule(a: Args, killAt: number, rounds: number): RestartRule | null {
  if (a['no-restart']) return null;
  if (a['restart-after-s'] !== undefined) {
    if (a['restart-at-round'] !== undefined) {
      throw new ConfigError('give --restart-at-round or --restart-after-s, not both');
    }
    return { afterMs: 1000 * int('restart-after-s', a['restart-after-s'], 0) };
  }
  const at = int('restart-at-round', a['restart-at-round'] ?? String(Math.min(rounds - 1, 2 * killAt)), 1);
  if (at <= killAt || at >= rounds) {
    throw new ConfigError(
      `--restart-at-round ${at} must be above --kill-at-round ${killAt} and below --rounds ${rounds}`,
    );
  }
  return { atRound: at };
}

async function main(a: Args): Promise<void> {
  const joiners = int('joiners', a.joiners, 1);
  const rounds = int('rounds', a.rounds, 1);
  const relayOnly = Math.min(joiners, int('relay-only', a['relay-only'], 0));
  const kill = Math.min(joiners, int('kill', a.kill, 0));
  const killAt = int('kill-at-round', a['kill-at-round'], 0);
  if (kill > 0 && killAt >= rounds) throw new ConfigError(`--kill-at-round ${killAt} must be below --rounds ${rounds}`);
  const rule = kill > 0 ? restartRule(a, killAt, rounds) : null;
  const timeoutMs = 1000 * int('timeout-s', a['timeout-s'], 1);
  const out = a.out ? resolve(a.out) : mkdtempSync(join(tmpdir(), 'gl-testnet-box-'));
  const box = await TestnetBox.create({ outDir: out, manifest: a.manifest! });
  const name = (i: number): string => box.joinerName(i);
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

  const victims = Array.from({ length: kill }, (_, k) => joiners - 1 - k).sort((x, y) => x - y);
  const tails = Array.from({ length: joiners }, (_, i) => new RoundTail(join(box.dir(name(i)), FILES.rounds)));
  const churn = new ChurnDriver(
    {
      kill: (i) => box.kill(name(i)),
      start: (i) => box.startJoiner(i),
      dir: (i) => box.dir(name(i)),
      resumedOf: (i) => box.get<{ resumed: { round: number; paramsHash: string } | null }>(name(i), '/status'),
    },
    tails,
    { victims, killAtRound: killAt, restart: rule, targetRounds: rounds },
    (m) => console.log(m),
  );
  try {
    box.startBootstrap();
    const info = await box.waitFor('the bootstrap node', async () => box.info('bootstrap'), 60_000);
    console.log(`manifest:  ${box.manifestPath} (network ${box.manifest.network}, task ${box.manifest.taskHash})`);
    console.log(`bootstrap: ${box.manifest.bootstrap[0]}`);
    console.log(`dashboard: ${info.http}/dashboard`);
    for (let i = 0; i < joiners; i++) box.startJoiner(i, { relayOnly: i < relayOnly, rounds });
    const started = Date.now();
    let lastPrint = 0;
    let lastStatus = 0;
    for (;;) {
      const crash = [...box.crashes][0];
      if (crash) throw new Error(`${crash[0]} ${crash[1]}`);
      for (const t of tails) t.poll();
      await churn.tick();
      const now = Date.now();
      if (now - lastStatus >= 1000) {
        lastStatus = now;
        const net = await box.get<NetworkSnapshot>('bootstrap', '/network');
        if (net && now - lastPrint >= 5000) {
          lastPrint = now;
          const acc = (x: number | null): string => (x === null ? '-' : (100 * x).toFixed(1) + '%');
          const row = net.peers.map((p) => `${p.peerId.slice(-6)} r${p.round} ${acc(p.accuracy)}`).join(' | ');
          const t = ((now - started) / 1000).toFixed(0);
          console.log(`${t} s: ${net.peers.length} peers, ${net.links.length} links: ${row}`);
        }
        const running = Array.from({ length: joiners }, (_, i) => i).filter((i) => box.isRunning(name(i)));
        const statuses = await Promise.all(running.map((i) => box.get<{ finished: boolean }>(name(i), '/status')));
        if (churn.done && statuses.length > 0 && statuses.every((s) => s?.finished)) {
          const t = ((Date.now() - started) / 1000).toFixed(1);
          console.log(`every running joiner finished ${rounds} rounds in ${t} s`);
          break;
        }
        if (now - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s`);
      }
      await sleep(20);
    }
    printChurn(churn, joiners, (i) => box.dir(name(i)), name);
  } finally {
    await stop('done');
  }
}

type Namer = (i: number) => string;

function printChurn(churn: ChurnDriver, joiners: number, dir: Namer, name: Namer): void {
  if (churn.kills.length === 0) return;
  // Each joiner's lines, indexed by joiner (its shard may differ from its number).
  const lines: RoundLine[] = [];
  for (let i = 0; i < joiners; i++) {
    for (const l of readRoundLines(join(dir(i), FILES.rounds))) lines.push({ ...l, index: i });
  }
  const victims = new Set(churn.kills.map((k) => k.node));
  console.log('churn:');
  for (const k of churn.kills) {
    const r = churn.restarts.find((x) => x.node === k.node);
    const ck = k.checkpoint ? `checkpoint round ${k.checkpoint.round}` : 'no checkpoint';
    if (!r) {
      console.log(`  ${name(k.node)}: killed in round ${k.round} (${ck}), not restarted`);
      continue;
    }
    const co = roundsWithSurvivors(lines, r, victims);
    const resumed = r.resumed ? `round ${r.resumed.round} ${r.exact ? '(exact)' : '(NOT exact)'}` : 'nothing';
    const late = r.survivorsFinished > 0 ? `; WARNING: ${r.survivorsFinished} had already finished` : '';
    console.log(
      `  ${name(k.node)}: killed in round ${k.round} (${ck}); resumed from ${resumed}; ` +
        `the others were in rounds ${r.survivorRounds.join(' ')} when it was back up${late}; ` +
        `it then closed ${co.closed} rounds with them (${co.aggregated} aggregating neighbours)`,
    );
  }
}

try {
  const a = args();
  if (a.help) console.log(USAGE);
  else await main(a);
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(e instanceof ConfigError ? 2 : 1);
}
