/**
 * Soak under churn: N real daemons on loopback; every interval, kill -9 a random fraction of them
 * and restart each a few seconds later (from its checkpoint), for the whole duration. Then the same
 * cluster without churn, run to the same round, for the accuracy it would have had. Prints: resumes
 * that were exact (the restarted daemon's resumed digest equals the checkpoint on disk at the kill),
 * the longest a live node waited for a round against its deadline, RSS per daemon process (5-s samples;
 * growth after warm-up: its 2nd minute against its last minute),
 * and final accuracy with and without churn.
 *
 *   node_modules/.bin/node scripts/bench-soak.ts [--nodes 16] [--fraction 0.2] [--interval-s 60]
 *     [--minutes 10] [--restart-after-s 5] [--no-baseline] [--keep]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { checkpointDigest, type CheckpointDigest } from '../src/daemon/checkpoint-digest.ts';
import { Cluster, readRoundLines, sleep } from '../src/cluster/cluster.ts';
import { FILES } from '../src/daemon/files.ts';
import { processRssBytes, residentMemory } from '../src/daemon/resident-memory.ts';
import { loadTopology } from '../src/topology/index.ts';
import { Rng } from '../src/util/rng.ts';
import { printTable } from './lib/experiment.ts';
import {
  ClusterProgress,
  liveWaits,
  MemorySampler,
  mib,
  type Incarnation,
  type MemorySeries,
  type WaitSummary,
} from './lib/soak.ts';

const USAGE = `Usage: node_modules/.bin/node scripts/bench-soak.ts [options]

Soak under churn: N daemons on loopback; every --interval-s, kill -9 a random --fraction of them and
restart each --restart-after-s later, for --minutes; then the same cluster without churn to the
same round. Prints exact resumes / total, the longest wait of a live node against its deadline,
RSS per daemon at start and end, and final accuracy with and without churn.

Options:
  --nodes <n>             daemons (default 16)
  --fraction <f>          share of the daemons killed at each interval (default 0.2)
  --interval-s <s>        seconds between kill batches (default 60)
  --minutes <m>           length of the churn run (default 10)
  --restart-after-s <s>   restart each victim this long after its kill (default 5)
  --topology <file>       (default topologies/random-regular.json)
  --scenario <file>       workload: data, model, node config (default topologies/scenarios/default.json)
  --seed <n>              choice of victims (default 1)
  --no-baseline           skip the run without churn
  --keep                  keep the daemons' directories
  -h, --help              this text`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    nodes: { type: 'string', default: '16' },
    fraction: { type: 'string', default: '0.2' },
    'interval-s': { type: 'string', default: '60' },
    minutes: { type: 'string', default: '10' },
    'restart-after-s': { type: 'string', default: '5' },
    topology: { type: 'string', default: 'topologies/random-regular.json' },
    scenario: { type: 'string', default: 'topologies/scenarios/default.json' },
    seed: { type: 'string', default: '1' },
    'no-baseline': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (a.help) {
  console.log(USAGE);
  process.exit(0);
}

function num(name: string, v: string | undefined, min: number, max = Infinity): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < min || x > max) {
    console.error(`error: --${name} must be a number in [${min}, ${max}], got ${v}`);
    process.exit(2);
  }
  return x;
}

const nodes = Math.round(num('nodes', a.nodes, 2));
const fraction = num('fraction', a.fraction, 0, 1);
const intervalMs = 1000 * num('interval-s', a['interval-s'], 1);
const durationMs = 60_000 * num('minutes', a.minutes, 0.1);
const restartAfterMs = 1000 * num('restart-after-s', a['restart-after-s'], 0);
const seed = Math.round(num('seed', a.seed, 0));
const perBatch = Math.max(1, Math.round(fraction * nodes));

type Json = Record<string, unknown>;
const scenario = JSON.parse(readFileSync(resolve(root, a.scenario!), 'utf8')) as Json;
/** The daemons' task: the scenario's, unchanged. */
const task = (scenario.task ?? {}) as Json;
const taskSeed = (task.seed as number | undefined) ?? 1;
const learning: Json = {
  checkpointEvery: 5,
  // The whole test split: the churn / no-churn comparison is about 1 pp, well above its sampling noise then.
  eval: { every: 5, testSamples: 2000 },
};

const log = (m: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const pct = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(2)}%`);

async function makeCluster(out: string): Promise<Cluster> {
  return Cluster.create({
    outDir: out,
    topology: loadTopology(resolve(root, a.topology!), { n: nodes, seed: taskSeed }),
    task,
    learning,
    rounds: 0,
    network: 'soak',
    daemon: { startupWaitMs: 20_000 },
    logLevel: 'warn',
  });
}

function rssAll(c: Cluster): Array<number | null> {
  return Array.from({ length: c.n }, (_, i) => {
    const pid = c.pid(i);
    return pid === undefined ? null : processRssBytes(pid);
  });
}

interface Resume {
  slot: number;
  killedAt: number;
  killedInRound: number;
  onDisk: CheckpointDigest | null;
  restartedAt: number | null;
  upAt: number | null;
  resumed: { round: number; paramsHash: string } | null;
  exact: boolean | null;
}

/** Poll `progress` every second until `ok` holds; a daemon that exits on its own fails the run. */
async function waitUntil(
  c: Cluster,
  progress: ClusterProgress,
  what: string,
  ok: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const crash = c.firstCrash();
    if (crash) throw new Error(`daemon ${crash}`);
    progress.poll();
    if (ok()) return true;
    if (Date.now() > deadline) {
      const rounds = Array.from({ length: progress.n }, (_, i) => progress.round(i)).join(' ');
      log(`gave up waiting for ${what} after ${timeoutMs / 1000} s; rounds ${rounds}`);
      return false;
    }
    await sleep(1000);
  }
}

function progressOf(c: Cluster): ClusterProgress {
  return new ClusterProgress(Array.from({ length: c.n }, (_, i) => join(c.dir(i), FILES.rounds)));
}

async function churnRun(out: string): Promise<void> {
  const c = await makeCluster(out);
  const rng = new Rng(seed);
  const lives: Incarnation[] = [];
  const resumes: Resume[] = [];
  const pending: Array<Promise<void>> = [];
  /** Slots between their kill and answering /status again: not picked by the next batch. */
  const busy = new Set<number>();
  const startSlot = (i: number): void => {
    c.start(i);
    lives.push({ slot: i, startedAt: Date.now(), endedAt: Infinity });
  };
  log(
    `churn run: ${nodes} daemons, kill -9 ${perBatch} every ${intervalMs / 1000} s for ${durationMs / 60_000} min, ` +
      `restart after ${restartAfterMs / 1000} s; ${out}`,
  );
  const tStart = Date.now();
  for (let i = 0; i < nodes; i++) startSlot(i);
  const progress = progressOf(c);
  const allPast5 = (): boolean => Array.from({ length: nodes }, (_, i) => progress.round(i)).every((r) => r >= 5);
  const warm = await waitUntil(c, progress, 'every daemon past round 5', allPast5, 900_000);
  if (!warm) throw new Error('the cluster never warmed up');
  const rssStart = rssAll(c);
  const t0 = Date.now();
  const sampler = new MemorySampler();
  const sampleAll = (): void => {
    for (let i = 0; i < c.n; i++) {
      const pid = c.pid(i);
      const m = pid === undefined ? null : residentMemory(pid);
      if (pid !== undefined && m !== null) sampler.add(i, pid, { rss: m.rss, anon: m.anon, file: m.file });
    }
  };
  // The daemon's own view (V8 heap, external buffers, wasm memory), less often: it costs an HTTP request.
  const sampleStatus = (): void => {
    for (let i = 0; i < c.n; i++) {
      const pid = c.pid(i);
      if (pid === undefined || busy.has(i)) continue;
      void c.status(i).then((s) => {
        if (!s || c.pid(i) !== pid) return;
        const m = s.memory;
        const values = { heapUsed: m.heapUsedBytes, heapTotal: m.heapTotalBytes, external: m.externalBytes };
        sampler.add(i, pid, { ...values, wasm: m.wasmBytes });
      });
    }
  };
  sampleAll();
  sampleStatus();
  const sampling = setInterval(sampleAll, 5000);
  const statusSampling = setInterval(sampleStatus, 20_000);
  sampling.unref();
  statusSampling.unref();
  const startPids = Array.from({ length: c.n }, (_, i) => c.pid(i));
  log(`warm (every daemon past round 5); RSS at start taken; churn begins`);

  const killOne = async (i: number): Promise<void> => {
    busy.add(i);
    const last = readRoundLines(join(c.dir(i), FILES.rounds)).at(-1);
    const killedAt = Date.now();
    await c.kill(i);
    lives.findLast((x) => x.slot === i)!.endedAt = Date.now();
    const after = readRoundLines(join(c.dir(i), FILES.rounds)).at(-1) ?? last;
    const r: Resume = {
      slot: i,
      killedAt,
      killedInRound: after ? after.round + 1 : 0,
      onDisk: checkpointDigest(join(c.dir(i), FILES.checkpoint)),
      restartedAt: null,
      upAt: null,
      resumed: null,
      exact: null,
    };
    resumes.push(r);
    await sleep(restartAfterMs);
    startSlot(i);
    r.restartedAt = Date.now();
    for (let waited = 0; waited < 300_000 && r.upAt === null; waited += 250) {
      const s = await c.status(i);
      if (s) {
        r.upAt = Date.now();
        r.resumed = s.resumed ? { round: s.resumed.round, paramsHash: s.resumed.paramsHash } : null;
        const [got, disk] = [r.resumed, r.onDisk];
        r.exact = got !== null && disk !== null && got.round === disk.round && got.paramsHash === disk.paramsHash;
      } else await sleep(250);
    }
    busy.delete(i);
    const ck = r.onDisk ? `${r.onDisk.round}/${r.onDisk.paramsHash}` : 'none';
    const res = r.resumed ? `${r.resumed.round}/${r.resumed.paramsHash}` : 'nothing';
    const how = r.exact ? 'exact' : 'NOT exact';
    log(`node ${i}: killed in round ${r.killedInRound}, disk ${ck}, resumed ${res}, ${how}`);
  };

  let skippedTotal = 0;
  for (let batch = 1; t0 + batch * intervalMs <= t0 + durationMs; batch++) {
    const at = t0 + batch * intervalMs;
    while (Date.now() < at) {
      const crash = c.firstCrash();
      if (crash) throw new Error(`daemon ${crash}`);
      await sleep(Math.min(1000, at - Date.now()));
    }
    // A random fraction of the daemons, drawn from those up (a victim of the last batch may still be starting).
    const up = Array.from({ length: nodes }, (_, i) => i).filter((i) => c.isRunning(i) && !busy.has(i));
    const victims = rng
      .shuffle(up)
      .slice(0, perBatch)
      .sort((p, q) => p - q);
    const skipped = nodes - up.length;
    const note = skipped ? ` (${skipped} daemon(s) still restarting, not eligible)` : '';
    log(`batch ${batch}: kill -9 ${victims.join(', ')}${note}`);
    skippedTotal += Math.max(0, perBatch - victims.length);
    pending.push(...victims.map((i) => killOne(i)));
  }
  await Promise.all(pending);
  // Let the last restarted daemons catch up and close rounds with the others before reading the end.
  const lastUp = Math.max(0, ...resumes.map((r) => r.upAt ?? 0));
  const settled = (): boolean =>
    Array.from({ length: nodes }, (_, i) => progress.lastStartedAt(i) > lastUp + 5000).every(Boolean);
  await waitUntil(c, progress, 'every daemon closing rounds after the last restart', settled, 300_000);
  sampleAll();
  clearInterval(sampling);
  clearInterval(statusSampling);
  const tEnd = Date.now();
  const rssEnd = rssAll(c);
  const endPids = Array.from({ length: c.n }, (_, i) => c.pid(i));
  progress.poll();
  const roundEnd = progress.medianRound();
  // Both runs are read the same way: each daemon's last evaluation below the churn run's median round.
  const acc = progress.meanAccuracy(roundEnd);
  const accWindow = progress.windowAccuracy(roundEnd - 50, roundEnd);
  const wallS = (Date.now() - t0) / 1000;
  await c.stopAll();
  for (const l of lives) if (l.endedAt === Infinity) l.endedAt = Date.now();

  const lines = Array.from({ length: nodes }, (_, i) => readRoundLines(join(c.dir(i), FILES.rounds))).flat();
  // Live nodes: every process's rounds, up to its kill (the killed one's last round is cut short).
  const waits = liveWaits(lines, lives);
  const wait = waits.worst;
  const gap = waits.longestGap;
  const exact = resumes.filter((r) => r.exact).length;
  const churnWallMs = Date.now() - tStart;
  const noChurnDir = join(dirname(out), 'no-churn');
  const baseline = a['no-baseline'] ? null : await baselineRun(noChurnDir, roundEnd, 1.5 * churnWallMs);

  console.log(
    `\nsoak: ${nodes} daemons on ${a.topology}, ${a.scenario} (${JSON.stringify(task.model)}), ` +
      `kill -9 ${perBatch} (${(100 * fraction).toFixed(0)}%) every ${intervalMs / 1000} s ` +
      `for ${(durationMs / 60_000).toFixed(1)} min, ` +
      `restart after ${restartAfterMs / 1000} s; churn run ${wallS.toFixed(0)} s to median round ${roundEnd}`,
  );
  console.log('(one 2-core machine shared with other jobs: 16 daemons oversubscribe it, timings move with the load)\n');
  const kills = resumes.length;
  if (skippedTotal > 0) console.log(`${skippedTotal} planned kill(s) not made: too few daemons up at the time`);
  const waitRatio = wait ? wait.waitMs / wait.deadlineMs : null;
  const gapRatio = gap && waits.medianDeadlineMs ? gap.gapMs / waits.medianDeadlineMs : null;
  const late = waits.over3.map((w) => w.waitMs - w.deadlineMs).sort((p, q) => p - q);
  const growth = rssStart.map((s, i) => (s && rssEnd[i] ? rssEnd[i]! / s - 1 : null));
  const killedSlots = new Set(resumes.map((r) => r.slot));
  const steady = growth.filter((g, i) => g !== null && !killedSlots.has(i)) as number[];
  const allGrowth = growth.filter((g): g is number => g !== null);
  // After warm-up: each process's second minute of samples against its last minute.
  const minute = 60_000;
  const settledOf = (pid: number | undefined, from: number): number | null =>
    pid === undefined ? null : sampler.median(pid, from + minute, from + 2 * minute);
  const settledRss = startPids.map((pid) => settledOf(pid, t0));
  const endMedian = endPids.map((pid) => (pid === undefined ? null : sampler.median(pid, tEnd - minute, tEnd + 1)));
  const longLived = sampler.processes().filter((p) => p.last - p.first >= 4 * minute);
  const processGrowth = longLived
    .map((p) => sampler.growth(p.pid, 'rss')?.ratio ?? null)
    .filter((g): g is number => g !== null);
  const worstProcess = processGrowth.length ? Math.max(...processGrowth) : null;
  const medianProcess = processGrowth.length
    ? [...processGrowth].sort((p, q) => p - q)[processGrowth.length >> 1]!
    : null;
  const accDiff = baseline && acc.mean !== null && baseline.mean !== null ? 100 * (acc.mean - baseline.mean) : null;
  const windowDiff =
    baseline && accWindow !== null && baseline.window !== null ? 100 * (accWindow - baseline.window) : null;
  const baseRatio = baseline?.waits.worst ? baseline.waits.worst.waitMs / baseline.waits.worst.deadlineMs : null;
  const medianGrowth = allGrowth.length ? [...allGrowth].sort((p, q) => p - q)[allGrowth.length >> 1]! : null;
  const baselineAt = baseline ? `at ${baseline.reached} (evaluations below round ${roundEnd})` : '-';
  const f = (x: number | null, d = 1): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
  printTable(
    ['measure', 'measured', 'target', 'met'],
    [
      [
        'restarts that resumed exactly (digest of resumed model = checkpoint on disk at the kill)',
        `${exact} / ${kills}`,
        'all',
        exact === kills ? 'yes' : 'NO',
      ],
      [
        'longest wait of a live node for a round (publish → close), against the deadline it had',
        wait
          ? `${f(wait.waitMs, 0)} ms (node ${wait.slot}, round ${wait.round}, closed by ${wait.closedBy}; ` +
            `deadline ${f(wait.deadlineMs, 0)} ms) = ${f(waitRatio, 2)} deadlines`
          : 'n/a',
        '≤ 3 deadlines',
        waitRatio !== null && waitRatio <= 3 ? 'yes' : 'NO',
      ],
      [
        'live rounds waiting > 3 deadlines / all live rounds (p99 of wait/deadline)',
        `${waits.over3.length} / ${waits.rounds} (p99 ${f(waits.p99Ratio, 2)}); ` +
          `median deadline ${f(waits.medianDeadlineMs, 0)} ms; ` +
          `those closed ${f(late.length ? late[late.length >> 1]! : null, 0)} ms (median), ` +
          `${f(late.length ? late[late.length - 1]! : null, 0)} ms (max) after their deadline; ` +
          `closed by deadline ${waits.over3.filter((w) => w.closedBy === 'deadline').length}, by quorum ` +
          `${waits.over3.filter((w) => w.closedBy === 'quorum').length}`,
        '-',
        '-',
      ],
      [
        'the same in the run without churn (control: scheduling delay on the loaded machine)',
        baseline
          ? `longest ${f(baseline.waits.worst?.waitMs ?? null, 0)} ms = ` +
            `${f(baseRatio, 2)} deadlines; ` +
            `${baseline.waits.over3.length} / ${baseline.waits.rounds} rounds > 3 deadlines ` +
            `(p99 ${f(baseline.waits.p99Ratio, 2)})`
          : 'not run',
        '-',
        '-',
      ],
      [
        'longest close-to-close gap of a live node (training + wait)',
        gap
          ? `${f(gap.gapMs, 0)} ms (node ${gap.slot}, round ${gap.round}) = ${f(gapRatio, 2)} × the median deadline`
          : 'n/a',
        '-',
        '-',
      ],
      [
        'RSS growth of each daemon process after warm-up: median of 5-s samples in its 2nd minute → in its ' +
          'last minute (processes that lived ≥ 4 min)',
        `${processGrowth.length} processes: max ${f(worstProcess === null ? null : 100 * worstProcess)}%, ` +
          `median ${f(medianProcess === null ? null : 100 * medianProcess)}%`,
        '≤ 10%',
        worstProcess === null ? 'n/a' : worstProcess <= 0.1 ? 'yes' : 'NO',
      ],
      [
        'RSS, one sample when every daemon passed round 5 → one sample at the end (includes warm-up)',
        `never-killed daemons (${steady.length}): max ${f(steady.length ? 100 * Math.max(...steady) : null)}%; ` +
          `all slots: median ${f(medianGrowth === null ? null : 100 * medianGrowth)}%, ` +
          `max ${f(allGrowth.length ? 100 * Math.max(...allGrowth) : null)}%`,
        '-',
        '-',
      ],
      [
        'final accuracy, churn vs no churn: mean of every evaluation (16 daemons, every 5 rounds, 2000 test ' +
          "digits) in the 50 rounds below the churn run's median round",
        `${pct(accWindow)} vs ${baseline ? pct(baseline.window) : 'not run'} (${f(windowDiff, 2)} pp); churn run at ` +
          `median round ${roundEnd}, no-churn run ${baselineAt}`,
        'within 1 pp',
        windowDiff === null ? 'n/a' : Math.abs(windowDiff) <= 1 ? 'yes' : 'NO',
      ],
      [
        "each daemon's last evaluation below that round, churn vs no churn (one evaluation each: noisier)",
        `${pct(acc.mean)} vs ${baseline ? pct(baseline.mean) : 'not run'} (${f(accDiff, 2)} pp)`,
        '-',
        '-',
      ],
    ],
  );
  console.log(
    '\nRSS per daemon (MiB; start: one sample when every daemon passed round 5; 2nd min: median of the ' +
      "first process in the churn run's 2nd minute; end: median of the last process in the last minute)\n",
  );
  printTable(
    ['daemon', ...Array.from({ length: nodes }, (_, i) => String(i))],
    [
      ['start', ...rssStart.map(mib)],
      ['2nd min', ...settledRss.map(mib)],
      ['end', ...endMedian.map(mib)],
      ['growth %', ...growth.map((g) => f(g === null ? null : 100 * g, 0))],
      ['kills', ...Array.from({ length: nodes }, (_, i) => String(resumes.filter((r) => r.slot === i).length))],
    ],
  );
  const series: MemorySeries[] = ['rss', 'anon', 'file', 'heapTotal', 'heapUsed', 'external', 'wasm'];
  const byGrowth = longLived
    .map((p) => ({ p, g: sampler.growth(p.pid, 'rss')?.bytes ?? -Infinity }))
    .sort((x, y) => y.g - x.g)
    .slice(0, 6);
  console.log(
    '\nWhere RSS grew after warm-up (MiB, 2nd minute → last minute of each process; the 6 processes that grew ' +
      'most; anon/file from /proc, the rest from /status every 20 s)\n',
  );
  const cell = (pid: number, k: MemorySeries): string => {
    const g = sampler.growth(pid, k);
    return g === null ? 'n/a' : `${mib(g.from)} ${g.bytes >= 0 ? '+' : '−'}${mib(Math.abs(g.bytes))}`;
  };
  printTable(
    ['daemon (pid)', 'lived min', ...series],
    byGrowth.map(({ p }) => [
      `${p.slot} (${p.pid})`,
      ((p.last - p.first) / minute).toFixed(1),
      ...series.map((k) => cell(p.pid, k)),
    ]),
  );
  const downS = resumes.filter((r) => r.upAt !== null).map((r) => (r.upAt! - r.killedAt) / 1000);
  const maxDown = downS.length ? Math.max(...downS) : null;
  console.log(
    `\n${kills} kills; kill → /status answering again: mean ${f(mean(downS))} s, max ${f(maxDown)} s ` +
      `(restart after ${restartAfterMs / 1000} s, then process start-up)`,
  );
  const notExact = resumes.filter((r) => !r.exact);
  for (const r of notExact) {
    const what = `disk ${JSON.stringify(r.onDisk)}, resumed ${JSON.stringify(r.resumed)}`;
    console.log(`not exact: node ${r.slot} killed in round ${r.killedInRound}, ${what}`);
  }
}

/** The same cluster without churn, until its median daemon reaches `round` (or `limitMs` passed). */
async function baselineRun(out: string, round: number, limitMs: number): Promise<Baseline> {
  const c = await makeCluster(out);
  log(`no-churn run to median round ${round} (at most ${(limitMs / 1000).toFixed(0)} s): ${out}`);
  try {
    const t0 = Date.now();
    c.startAll();
    const progress = progressOf(c);
    await waitUntil(c, progress, `median round ${round}`, () => progress.medianRound() >= round, limitMs);
    const reached = progress.medianRound();
    const acc = { ...progress.meanAccuracy(round), window: progress.windowAccuracy(round - 50, round) };
    log(`no-churn run reached median round ${reached} in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${pct(acc.mean)}`);
    await c.stopAll();
    const lines = Array.from({ length: nodes }, (_, i) => readRoundLines(join(c.dir(i), FILES.rounds))).flat();
    const lives = Array.from({ length: nodes }, (_, slot) => ({ slot, startedAt: t0, endedAt: Infinity }));
    return { ...acc, reached, waits: liveWaits(lines, lives) };
  } finally {
    await c.stopAll();
  }
}

interface Baseline {
  readonly mean: number | null;
  readonly window: number | null;
  readonly reached: number;
  readonly waits: WaitSummary;
}

const work = mkdtempSync(join(tmpdir(), 'gl-soak-'));
try {
  await churnRun(join(work, 'churn'));
} finally {
  if (a.keep) console.error(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
