/**
 * One cluster experiment end to end: start the daemons, inject churn (kill -9, restart later),
 * wait for every node to finish (bounded), stop them, merge their JSONL and build the simulator's
 * round summaries and HTML report.
 */
import { join } from 'node:path';
import { ConsensusAccumulator, summariseRounds, type NodeRoundLine, type RoundSummary } from '../sim/metrics.ts';
import { mib } from '../sim/output.ts';
import { renderReport } from '../sim/report.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import { Cluster, type ClusterSpec, type NodeStatus } from './cluster.ts';

export interface ChurnPlan {
  /** How many daemons to kill -9 (chosen at random from the seed). */
  readonly kill: number;
  readonly killAtRound: number;
  /** Restart them this long after the kill; null: they stay down. */
  readonly restartAfterMs: number | null;
  readonly seed: number;
}

export interface ClusterRunOptions extends ClusterSpec {
  readonly churn?: ChurnPlan;
  readonly timeoutMs: number;
  readonly log?: (msg: string) => void;
}

export interface NodeCost {
  /** Wall ms per round: (last close − first start) / rounds, over this node's JSONL. */
  readonly msPerRound: number;
  /** Pubsub bytes this node sent per round on the wire (libp2p counters, steady state). */
  readonly wireSentPerRound: number | null;
  readonly wireReceivedPerRound: number | null;
  /** Update bytes sent per round as the node counts them (copies × frame size), steady state. */
  readonly appSentPerRound: number;
  /** Measured local training time per step. */
  readonly msPerStep: number | null;
}

export interface ClusterRunResult {
  readonly lines: NodeRoundLine[];
  readonly rounds: RoundSummary[];
  readonly finals: Array<NodeStatus | null>;
  readonly killed: number[];
  /** The round the most advanced daemon had reached when the kill happened (-1: none). */
  readonly killedAtRound: number;
  readonly costs: NodeCost[];
  readonly wallSeconds: number;
  readonly outDir: string;
}

type WireSample = { round: number; sent: number; received: number };

function pubsubBytes(s: NodeStatus): { sent: number; received: number } {
  let sent = 0;
  let received = 0;
  for (const [k, v] of Object.entries(s.bytes.wire)) {
    if (!k.includes('meshsub')) continue;
    if (k.endsWith('sent')) sent += v;
    else if (k.endsWith('received')) received += v;
  }
  return { sent, received };
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

function nodeCosts(lines: readonly NodeRoundLine[], n: number, warmRound: number, first: Array<WireSample | null>, last: Array<WireSample | null>, finals: Array<NodeStatus | null>): NodeCost[] {
  return Array.from({ length: n }, (_, i) => {
    const own = lines.filter((l) => l.index === i);
    const steady = own.filter((l) => l.round >= warmRound);
    const span = own.length ? Math.max(...own.map((l) => l.closedAt)) - Math.min(...own.map((l) => l.startedAt)) : NaN;
    const a = first[i];
    const b = last[i];
    const dr = a && b ? b.round - a.round : 0;
    const t = finals[i]?.training;
    return {
      msPerRound: span / Math.max(1, own.length),
      wireSentPerRound: a && b && dr > 0 ? (b.sent - a.sent) / dr : null,
      wireReceivedPerRound: a && b && dr > 0 ? (b.received - a.received) / dr : null,
      appSentPerRound: mean(steady.map((l) => l.bytesSentPayload + l.bytesSentMeta)),
      msPerStep: t && t.steps > 0 ? t.ms / t.steps : null,
    };
  });
}

export async function runCluster(o: ClusterRunOptions): Promise<ClusterRunResult> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const cluster = await Cluster.create(o);
  const n = cluster.n;
  const killed = o.churn ? new Rng(deriveSeed(o.churn.seed, 'cluster-kill')).shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, o.churn.kill).sort((a, b) => a - b) : [];
  const stayDown = new Set(o.churn?.restartAfterMs === null ? killed : []);
  const firstWire: Array<WireSample | null> = new Array(n).fill(null);
  const lastWire: Array<WireSample | null> = new Array(n).fill(null);
  // Steady state starts after a couple of rounds: start-up syncs and subscriptions are done.
  const warmRound = Math.min(2, Math.max(0, o.rounds - 2));
  let finals: Array<NodeStatus | null> = [];
  let killedAt = -1;
  let killedAtRound = -1;
  let restarted = false;
  log(`cluster: ${n} daemons on loopback (${o.topology.name}), ${o.rounds} rounds, out ${o.outDir}`);
  cluster.startAll();
  try {
    finals = await cluster.waitFor(
      'every node to finish',
      (statuses) => {
        statuses.forEach((s, i) => {
          if (!s) return;
          const w = { round: s.round, ...pubsubBytes(s) };
          if (!firstWire[i] && s.round >= warmRound) firstWire[i] = w;
          if (!s.finished || !lastWire[i]) lastWire[i] = w;
        });
        const maxRound = Math.max(0, ...statuses.map((s) => s?.round ?? 0));
        if (o.churn && killedAt < 0 && maxRound >= o.churn.killAtRound && killed.length) {
          killedAt = Date.now();
          killedAtRound = maxRound;
          log(`cluster: kill -9 node(s) ${killed.join(', ')} at round ${maxRound}`);
          for (const i of killed) void cluster.kill(i);
        }
        const downSince = Date.now() - killedAt;
        if (o.churn && killedAt >= 0 && !restarted && o.churn.restartAfterMs !== null && downSince >= o.churn.restartAfterMs && killed.every((i) => !cluster.isRunning(i))) {
          restarted = true;
          log(`cluster: restarting node(s) ${killed.join(', ')}`);
          for (const i of killed) cluster.start(i);
        }
        const churnPending = o.churn && killed.length > 0 && (killedAt < 0 || (o.churn.restartAfterMs !== null && !restarted));
        return !churnPending && statuses.every((s, i) => stayDown.has(i) || (s?.finished ?? false));
      },
      o.timeoutMs,
      500,
    );
  } finally {
    await cluster.stopAll();
  }
  const lines = cluster.lines().filter((l) => l.round < o.rounds);
  // Models stay inside the daemons: no consensus distance for a cluster run.
  const rounds = summariseRounds(lines, new ConsensusAccumulator(0));
  const costs = nodeCosts(lines, n, warmRound, firstWire, lastWire, finals);
  return { lines, rounds, finals, killed, killedAtRound, costs, wallSeconds: (performance.now() - t0) / 1000, outDir: o.outDir };
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(2)}%`;
}

/** Write the merged rounds.jsonl and report.html into the cluster's out dir; returns the report path. */
export async function writeClusterOutputs(r: ClusterRunResult, o: ClusterRunOptions): Promise<string> {
  writeFileAtomic(join(r.outDir, 'rounds.jsonl'), [...r.lines, ...r.rounds].map((x) => JSON.stringify(x)).join('\n') + '\n');
  const lastRound = o.rounds - 1;
  const finals = r.lines.filter((l) => l.round === lastRound && l.accuracy !== undefined).map((l) => l.accuracy!);
  const wire = r.costs.map((c) => c.wireSentPerRound).filter((x): x is number => x !== null);
  const rejected: Record<string, number> = {};
  for (const line of r.lines) for (const [k, v] of Object.entries(line.rejected)) rejected[k] = (rejected[k] ?? 0) + v;
  const l = o.learning as Record<string, unknown>;
  const node = (l.node ?? {}) as Record<string, unknown>;
  const facts: Array<[string, string]> = [
    ['nodes / rounds', `${o.topology.n} daemons / ${o.rounds} rounds (completed ${r.rounds.length})`],
    ['topology', `${o.topology.name} (${o.topology.source})`],
    ['data / model', `${JSON.stringify(l.dataset ?? { type: 'mnist' })}, partition ${JSON.stringify(l.partition ?? { type: 'iid' })} / ${JSON.stringify(l.model ?? { type: 'mlp' })}`],
    ['codec / aggregation', `${JSON.stringify(node.codec ?? { name: 'none' })} / ${JSON.stringify(node.aggregator ?? { rule: 'mean' })}`],
    ['final accuracy', `${pct(finals.length ? mean(finals) : null)} (min ${pct(finals.length ? Math.min(...finals) : null)}, max ${pct(finals.length ? Math.max(...finals) : null)}, ${finals.length} nodes)`],
    ['mean round time', `${mean(r.costs.map((c) => c.msPerRound)).toFixed(1)} ms`],
    ['update bytes sent per node per round', `${mean(r.costs.map((c) => c.appSentPerRound)).toFixed(0)} B`],
    ['pubsub wire bytes sent per node per round', wire.length ? `${mean(wire).toFixed(0)} B` : 'n/a'],
    ['bytes sent per node (total)', mib(r.rounds.length ? r.rounds[r.rounds.length - 1]!.cumulativeBytesPerNode : 0)],
    ['churn', r.killed.length ? `kill -9 node(s) ${r.killed.join(', ')} at round ${r.killedAtRound}, ${o.churn!.restartAfterMs === null ? 'not restarted' : `restarted after ${o.churn!.restartAfterMs} ms`}` : 'none'],
    ['rejected updates', JSON.stringify(rejected)],
    ['wall time', `${r.wallSeconds.toFixed(1)} s`],
  ];
  const html = await renderReport({ title: `gossiplearn local cluster: ${o.topology.name}, ${o.topology.n} daemons`, description: 'Real daemon processes on loopback (libp2p); consensus distance is not measured in a cluster.', lines: r.lines, rounds: r.rounds, facts });
  const report = join(r.outDir, 'report.html');
  writeFileAtomic(report, html);
  return report;
}

