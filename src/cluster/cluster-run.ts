/**
 * One cluster experiment end to end: start the daemons, inject churn (kill -9 as the victims enter
 * a round, restart them while the others are still training), wait for every node to finish
 * (bounded), stop them, merge their JSONL and build the round summaries and HTML report (src/report).
 */
import { join } from 'node:path';
import { ConsensusAccumulator, summariseRounds, type NodeRoundLine, type RoundSummary } from '../report/rounds.ts';
import { mib } from '../report/units.ts';
import { renderReport, type ReportEvent } from '../report/html.ts';
import { parseTaskSpec } from '../task/spec.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import { CheckpointSampler } from './checkpoint-sampler.ts';
import { ChurnDriver, roundsWithSurvivors } from './churn-driver.ts';
import type { KillRecord, RestartRecord, RestartRule } from './churn-driver.ts';
import { Cluster, sleep, type ClusterSpec, type NodeStatus } from './cluster.ts';
import { FILES } from '../daemon/files.ts';
import { RoundTail } from './round-tail.ts';
import { WireMeter, protocolBytes, type WireSpan } from './wire-meter.ts';

export { roundsWithSurvivors };

export interface ChurnPlan {
  /** How many daemons to kill -9 (chosen at random from the seed). */
  readonly kill: number;
  /** Kill each victim as it enters this round. */
  readonly killAtRound: number;
  /** Restart them this long after the kill; null: they stay down (unless restartAtRound). */
  readonly restartAfterMs: number | null;
  /** Or restart them once the most advanced survivor enters this round. */
  readonly restartAtRound?: number;
  readonly seed: number;
}

export interface ClusterRunOptions extends ClusterSpec {
  readonly churn?: ChurnPlan;
  readonly timeoutMs: number;
  readonly log?: (msg: string) => void;
  /** Sample every checkpoint for the consensus distance (default true). */
  readonly consensus?: boolean;
}

export interface NodeCost {
  /** Wall ms per round: (last close − first start) / rounds, over this node's JSONL. */
  readonly msPerRound: number;
  /**
   * Pubsub (/meshsub) bytes this node sent / received per round on the wire, from libp2p's stream
   * counters, differenced within each process (they restart from 0 with the process) over the
   * rounds `wireRounds`.
   */
  readonly wireSentPerRound: number | null;
  readonly wireReceivedPerRound: number | null;
  /** Sync-stream bytes (full models: keyframes too large for pubsub, CHOCO resyncs) per round, same rounds. */
  readonly syncSentPerRound: number | null;
  /** Update bytes the node logged as sent (copies × frame size) per round, over the same rounds as the wire figure. */
  readonly appSentPerRound: number;
  /** Rounds the wire figures cover. */
  readonly wireRounds: number;
  /** Measured local training time per step. */
  readonly msPerStep: number | null;
}

export interface ClusterRunResult {
  readonly lines: NodeRoundLine[];
  readonly rounds: RoundSummary[];
  readonly finals: Array<NodeStatus | null>;
  readonly killed: number[];
  readonly kills: readonly KillRecord[];
  readonly restarts: readonly RestartRecord[];
  readonly costs: NodeCost[];
  /** Rounds with a consensus distance (sampled from checkpoints), and how many nodes each covers. */
  readonly consensusRounds: ReadonlyMap<number, number>;
  readonly wallSeconds: number;
  readonly outDir: string;
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Update bytes node i logged for rounds [from, to) of one process span. */
function appBytes(lines: readonly NodeRoundLine[], i: number, span: WireSpan): number {
  let sum = 0;
  for (const l of lines) {
    if (l.index === i && l.round >= span.from && l.round < span.to) sum += l.bytesSentPayload + l.bytesSentMeta;
  }
  return sum;
}

function nodeCosts(
  lines: readonly NodeRoundLine[],
  n: number,
  meters: readonly WireMeter[],
  finals: Array<NodeStatus | null>,
): NodeCost[] {
  return Array.from({ length: n }, (_, i) => {
    const own = lines.filter((l) => l.index === i);
    const span = own.length ? Math.max(...own.map((l) => l.closedAt)) - Math.min(...own.map((l) => l.startedAt)) : NaN;
    const spans = meters[i]!.list();
    const rounds = spans.reduce((s, x) => s + (x.to - x.from), 0);
    const wire = (dir: 'sent' | 'received', proto: string): number | null =>
      rounds > 0 ? spans.reduce((s, x) => s + protocolBytes(x.bytes, proto, dir), 0) / rounds : null;
    const t = finals[i]?.training;
    return {
      msPerRound: span / Math.max(1, own.length),
      wireSentPerRound: wire('sent', 'meshsub'),
      wireReceivedPerRound: wire('received', 'meshsub'),
      syncSentPerRound: wire('sent', '/gossiplearn/sync'),
      appSentPerRound: rounds > 0 ? spans.reduce((s, x) => s + appBytes(lines, i, x), 0) / rounds : NaN,
      wireRounds: rounds,
      msPerStep: t && t.steps > 0 ? t.ms / t.steps : null,
    };
  });
}

function restartRule(c: ChurnPlan): RestartRule | null {
  if (c.restartAtRound !== undefined) return { atRound: c.restartAtRound };
  return c.restartAfterMs === null ? null : { afterMs: c.restartAfterMs };
}

export async function runCluster(o: ClusterRunOptions): Promise<ClusterRunResult> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const cluster = await Cluster.create(o);
  const n = cluster.n;
  const c = o.churn;
  const all = Array.from({ length: n }, (_, i) => i);
  const killed = c
    ? new Rng(deriveSeed(c.seed, 'cluster-kill'))
        .shuffle(all)
        .slice(0, c.kill)
        .sort((a, b) => a - b)
    : [];
  const rule = c ? restartRule(c) : null;
  const stayDown = new Set(rule === null ? killed : []);
  const tails = all.map((i) => new RoundTail(join(cluster.dir(i), FILES.rounds)));
  const churn = new ChurnDriver(
    {
      kill: (i) => cluster.kill(i),
      start: (i) => cluster.start(i),
      dir: (i) => cluster.dir(i),
      resumedOf: (i) => cluster.status(i),
    },
    tails,
    { victims: killed, killAtRound: c?.killAtRound ?? 0, restart: rule, targetRounds: o.rounds },
    log,
  );
  const meters = all.map(() => new WireMeter());
  // Steady state starts after a couple of rounds: start-up syncs and subscriptions are done.
  const warmRound = Math.min(2, Math.max(0, o.rounds - 2));
  let consensus: ConsensusAccumulator | null = null;
  const consensusRounds = new Map<number, number>();
  const onSample = (_node: number, round: number, params: Float32Array): void => {
    consensus ??= new ConsensusAccumulator(params.length);
    consensus.add(round, params);
    consensusRounds.set(round, (consensusRounds.get(round) ?? 0) + 1);
  };
  const checkpoints = all.map((i) => join(cluster.dir(i), FILES.checkpoint));
  const sampler = o.consensus === false ? null : new CheckpointSampler(checkpoints, onSample);
  let finals: Array<NodeStatus | null> = [];
  let stop = false;
  let failure: Error | null = null;
  log(`cluster: ${n} daemons on loopback (${o.topology.name}), ${o.rounds} rounds, out ${o.outDir}`);
  cluster.startAll();
  // Two loops: churn reacts to the JSONL tails every 20 ms; /status (wire counters, finished) is
  // polled every 500 ms on its own, so a slow HTTP answer never delays a kill.
  const statusLoop = async (): Promise<void> => {
    const deadline = Date.now() + o.timeoutMs;
    while (!stop && failure === null) {
      finals = await cluster.statuses();
      finals.forEach((s, i) => {
        const pid = cluster.info(i)?.pid;
        if (s && pid !== undefined && s.round >= warmRound && !s.finished) {
          meters[i]!.add({ pid, round: s.round, counters: s.bytes.wire });
        }
      });
      const crash = cluster.firstCrash();
      if (crash) throw new Error(`cluster: daemon ${crash}`);
      if (churn.done && finals.every((s, i) => stayDown.has(i) || (s?.finished ?? false))) return;
      if (Date.now() > deadline) {
        const at = finals.map((x) => x?.round ?? '-').join(' ');
        throw new Error(`cluster: timed out after ${o.timeoutMs} ms waiting for every node to finish; rounds: ${at}`);
      }
      await sleep(500);
    }
  };
  const churnLoop = async (): Promise<void> => {
    while (!stop) {
      for (const t of tails) t.poll();
      await churn.tick();
      sampler?.poll();
      await sleep(20);
    }
  };
  try {
    const both = [statusLoop(), churnLoop()].map((p) =>
      p.catch((e: Error) => {
        failure ??= e;
      }),
    );
    await both[0];
    stop = true;
    await both[1];
    if (failure) throw failure;
  } finally {
    stop = true;
    await cluster.stopAll();
  }
  sampler?.poll();
  const lines = cluster.lines().filter((l) => l.round < o.rounds);
  const rounds = summariseRounds(lines, consensus ?? new ConsensusAccumulator(0));
  const costs = nodeCosts(lines, n, meters, finals);
  const wallSeconds = (performance.now() - t0) / 1000;
  const { kills, restarts } = churn;
  return { lines, rounds, finals, killed, kills, restarts, costs, consensusRounds, wallSeconds, outDir: o.outDir };
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(2)}%`;
}

/** Kill and restart markers for the report's round axes. */
export function churnEvents(r: ClusterRunResult): ReportEvent[] {
  const events: ReportEvent[] = r.kills.map((k) => ({ round: k.round, kind: 'kill', label: `kill -9 node ${k.node}` }));
  for (const x of r.restarts) {
    const back = r.lines.filter((l) => l.index === x.node && l.startedAt >= x.at).map((l) => l.round);
    const round = back.length ? Math.min(...back) : null;
    const label = `node ${x.node} back (resumed from ${x.resumed?.round ?? '-'})`;
    if (round !== null) events.push({ round, kind: 'restart', label });
  }
  return events;
}

/** Write the merged rounds.jsonl and report.html into the cluster's out dir; returns the report path. */
export async function writeClusterOutputs(r: ClusterRunResult, o: ClusterRunOptions): Promise<string> {
  writeFileAtomic(
    join(r.outDir, 'rounds.jsonl'),
    [...r.lines, ...r.rounds].map((x) => JSON.stringify(x)).join('\n') + '\n',
  );
  const lastRound = o.rounds - 1;
  const finals = r.lines.filter((l) => l.round === lastRound && l.accuracy !== undefined).map((l) => l.accuracy!);
  const wire = r.costs.map((c) => c.wireSentPerRound).filter((x): x is number => x !== null);
  const sync = r.costs.map((c) => c.syncSentPerRound).filter((x): x is number => x !== null);
  const app = r.costs.filter((c) => c.wireRounds > 0).map((c) => c.appSentPerRound);
  const rejected: Record<string, number> = {};
  for (const line of r.lines) for (const [k, v] of Object.entries(line.rejected)) rejected[k] = (rejected[k] ?? 0) + v;
  const t = parseTaskSpec(o.task, 'cluster');
  const every = (o.learning?.checkpointEvery as number | undefined) ?? 5;
  const bytes = (xs: number[]): string => (xs.length ? `${mean(xs).toFixed(0)} B` : 'n/a');
  const facts: Array<[string, string]> = [
    ['nodes / rounds', `${o.topology.n} daemons / ${o.rounds} rounds (completed ${r.rounds.length})`],
    ['topology', `${o.topology.name} (${o.topology.source})`],
    [
      'data / model',
      `${JSON.stringify(t.dataset)}, partition ${JSON.stringify(t.partition)} / ${JSON.stringify(t.model)}`,
    ],
    ['codec / aggregation', `${JSON.stringify(t.node.codec)} / ${JSON.stringify(t.node.aggregator)}`],
    [
      'final accuracy',
      `${pct(finals.length ? mean(finals) : null)} (min ${pct(finals.length ? Math.min(...finals) : null)}, ` +
        `max ${pct(finals.length ? Math.max(...finals) : null)}, ${finals.length} nodes)`,
    ],
    ['mean round time', `${mean(r.costs.map((c) => c.msPerRound)).toFixed(1)} ms`],
    ['update bytes sent per node per round (frames × copies, as logged)', bytes(app)],
    ['pubsub wire bytes sent per node per round (libp2p /meshsub counters, same rounds)', bytes(wire)],
    ['sync-stream bytes sent per node per round (full models: resyncs, large keyframes)', bytes(sync)],
    [
      'bytes sent per node (total, as logged)',
      mib(r.rounds.length ? r.rounds[r.rounds.length - 1]!.cumulativeBytesPerNode : 0),
    ],
    ['churn', churnSummary(r, o)],
    ['rejected updates', JSON.stringify(rejected)],
    ['wall time', `${r.wallSeconds.toFixed(1)} s`],
  ];
  const victims = new Set(r.killed);
  const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const churnTable =
    r.kills.length === 0
      ? []
      : [
          {
            title: 'Churn: each kill and restart',
            header: [
              'node',
              'killed in round',
              'checkpoint on disk (round, digest)',
              'restarted',
              'resumed from (round, digest)',
              'exact',
              "survivors' rounds when back up",
              'rounds it then closed with survivors (aggregating ≥ 1 neighbour)',
            ],
            rows: r.kills.map((k) => {
              const x = r.restarts.find((y) => y.node === k.node);
              const co = x ? roundsWithSurvivors(r.lines, x, victims) : null;
              return [
                String(k.node),
                String(k.round),
                k.checkpoint ? `${k.checkpoint.round}, ${k.checkpoint.paramsHash}` : 'none',
                x ? `after ${secs(x.at - k.at)}, up after ${x.upAt === null ? '-' : secs(x.upAt - k.at)}` : 'no',
                x?.resumed ? `${x.resumed.round}, ${x.resumed.paramsHash}` : '-',
                x ? (x.exact ? 'yes' : 'NO') : '-',
                x
                  ? x.survivorRounds.join(' ') +
                    (o.rounds > 0 ? ` (of ${o.rounds}; ${x.survivorsFinished} finished)` : '')
                  : '-',
                co ? `${co.closed} (${co.aggregated}), from round ${co.first ?? '-'}` : '-',
              ];
            }),
          },
        ];
  const consensusNote =
    r.consensusRounds.size === 0
      ? 'no checkpoint was sampled in time (a run shorter than checkpointEvery rounds?), ' +
        'so there is no consensus distance'
      : `sampled from every daemon's checkpoint (every ${every} rounds) while it ran; ` +
        'each point over the nodes that checkpointed that round';
  const html = await renderReport({
    title: `gossiplearn local cluster: ${o.topology.name}, ${o.topology.n} daemons`,
    description:
      `Real daemon processes on loopback (libp2p). Consensus distance: ${consensusNote}. ` +
      "Wire bytes are libp2p's per-protocol stream counters, taken per process (they restart from 0 with it) " +
      'over the ' +
      'same rounds as the update bytes they are set against.',
    lines: r.lines,
    rounds: r.rounds,
    facts,
    events: churnEvents(r),
    tables: churnTable,
    consensusCaption:
      'Consensus distance (RMS distance of the models to their mean, ' + `from checkpoints every ${every} rounds)`,
  });
  const report = join(r.outDir, 'report.html');
  writeFileAtomic(report, html);
  return report;
}

function churnSummary(r: ClusterRunResult, o: ClusterRunOptions): string {
  if (r.kills.length === 0) return 'none';
  const c = o.churn!;
  const restart =
    c.restartAtRound !== undefined
      ? `restart when a survivor enters round ${c.restartAtRound}`
      : c.restartAfterMs === null
        ? 'not restarted'
        : `restart ${c.restartAfterMs} ms after the kill`;
  const exact = r.restarts.filter((x) => x.exact).length;
  const landed = r.kills.map((k) => k.round).join(', ');
  return (
    `kill -9 node(s) ${r.killed.join(', ')} as each enters round ${c.killAtRound} (landed in ${landed}), ` +
    `${restart}; exact resumes ${exact}/${r.restarts.length}`
  );
}
