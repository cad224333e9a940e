import { isDataAttack } from '../aggregate/attacks/index.ts';
import { LearningNode } from '../core/node.ts';
import { byzantinePolicy } from '../core/outgoing-policy.ts';
import type { LocalLearner } from '../core/interfaces.ts';
import type { RoundRecord } from '../core/round-record.ts';
import { selectBackend, type BackendChoice, type BackendName } from '../learn/backend.ts';
import { buildTopology, parseTopologySpec, type Topology } from '../topology/index.ts';
import { optimizerSlots } from '../learn/optimizer.ts';
import { samplingRate } from '../privacy/config.ts';
import { phaseTimes, phaseTimesSince, type PhaseTimes } from '../util/phase-clock.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import { frameLength } from '../compress/index.ts';
import { EventQueue } from './event-queue.ts';
import { loadDatasetCached } from '../learn/datasets/index.ts';
import { ConsensusAccumulator, type NodeRoundLine, type RoundSummary } from '../report/rounds.ts';
import { RunRecorder, type RunTotals } from './recorder.ts';
import { VirtualNetwork, nodeId } from './network.ts';
import type { Scenario } from './scenario.ts';
import { nodeSeed } from '../task/node-learning.ts';
import { InlinePool, WorkerPool, defaultThreads, type TrainingPool } from './training-pool.ts';
import { TrainingWorld, type WorldSpec } from './training-world.ts';

export interface SimulationSummary {
  readonly type: 'summary';
  readonly scenario: string;
  readonly nodes: number;
  readonly honestFinished: number;
  readonly finalAccuracy: number | null;
  readonly finalAccuracyMin: number | null;
  readonly finalAccuracyMax: number | null;
  readonly roundsCompleted: number;
  readonly virtualSeconds: number;
  readonly bytesPerNode: number;
  readonly messages: number;
  readonly lost: number;
  readonly syncRequests: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly endedBy: string;
  readonly byzantine: readonly number[];
  readonly crashed: readonly number[];
  /** Only with a privacy config: the ε honest nodes had spent when they stopped. */
  readonly privacy?: PrivacySummary;
}

export interface PrivacySummary {
  readonly mode: string;
  readonly noiseMultiplier: number;
  readonly clip: number;
  readonly delta: number;
  readonly targetEpsilon: number | null;
  readonly epsilonMean: number;
  readonly epsilonMax: number;
  /** Honest nodes that reached targetEpsilon and stopped publishing. */
  readonly stoppedNodes: readonly number[];
}

export interface SimulationResult {
  readonly scenario: Scenario;
  readonly topology: Topology;
  readonly lines: NodeRoundLine[];
  readonly rounds: RoundSummary[];
  readonly summary: SimulationSummary;
  /** Wall-clock facts: kept out of the JSONL so that a seed reproduces it byte for byte. */
  readonly wallSeconds: number;
  readonly peakRssMB: number;
  /** What fp32 gossip (full fp32 models in every frame) would have sent per honest node for the same frames. */
  readonly fp32BytesPerNode: number;
  readonly backend: BackendName;
  readonly threads: number;
  /**
   * Wall-clock split: setup (data, workers), the event loop, the pool's busy time inside it, and the
   * main thread's gossip phases (which all run there).
   */
  readonly timing: { setupMs: number; loopMs: number; trainMs: number; evalMs: number; phases: PhaseTimes };
  readonly state: StateBytes;
}

/** What the run keeps per node on average (bytes), and the read-only data every thread shares. */
export interface StateBytes {
  readonly params: number;
  /** The node's own CHOCO public copy x̂_self. */
  readonly publicCopy: number;
  /** Neighbours' public copies (CHOCO) or latest models (direct), only for neighbours heard from. */
  readonly inbox: number;
  readonly optimizer: number;
  /** The shard as row indices into the shared set, and its batch order. */
  readonly shardRows: number;
  /** The dataset (train and test), once for all nodes and threads. */
  readonly sharedData: number;
}

export interface RunOptions {
  backend?: BackendChoice;
  onProgress?: (done: number, total: number) => void;
  /** Log one line (e.g. churn events, rejections) — off by default. */
  log?: (msg: string) => void;
}

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

function pickNodes(rng: Rng, candidates: number[], count: number): number[] {
  return rng
    .shuffle([...candidates])
    .slice(0, count)
    .sort((a, b) => a - b);
}

function privacySummary(sc: Scenario, totals: RunTotals): PrivacySummary {
  const p = sc.task.node.privacy!;
  const last = totals.lastPrivacy;
  const eps = last.map((l) => l.privacy.epsilon);
  return {
    mode: p.mode,
    noiseMultiplier: p.noiseMultiplier,
    clip: p.clip,
    delta: p.delta,
    targetEpsilon: p.targetEpsilon ?? null,
    epsilonMean: eps.length ? eps.reduce((a, b) => a + b, 0) / eps.length : 0,
    epsilonMax: eps.length ? Math.max(...eps) : 0,
    stoppedNodes: last
      .filter((l) => l.privacy.stopped)
      .map((l) => l.index)
      .sort((a, b) => a - b),
  };
}

/** Whether node i takes part in a round (undefined: always), from the scenario's `availability`. */
function availabilityOf(sc: Scenario, all: readonly number[]): (i: number) => ((round: number) => boolean) | undefined {
  const a = sc.availability;
  if (a.rate >= 1 || (a.nodes === undefined && a.fraction === 0)) return () => undefined;
  const count = Math.round(a.fraction * sc.nodes);
  const chosen = new Set(a.nodes ?? pickNodes(new Rng(deriveSeed(sc.task.seed, 'availability')), [...all], count));
  const draw = (i: number, round: number): boolean =>
    new Rng(deriveSeed(sc.task.seed, 'available', i, round)).next() < a.rate;
  return (i) => (chosen.has(i) ? (round) => draw(i, round) : undefined);
}

/**
 * The learning side of a scenario: its task split over its nodes; `byzantine` nodes train without DP
 * (and, under the label-flip attack, on flipped labels).
 */
export function worldSpecOf(sc: Scenario, byzantine: readonly number[]): WorldSpec {
  return {
    task: sc.task,
    nodes: sc.nodes,
    rounds: sc.rounds,
    ...(isDataAttack(sc.byzantine.attack) ? { dataAttack: { attack: sc.byzantine.attack, nodes: byzantine } } : {}),
    nonPrivateNodes: byzantine,
    trainer: sc.trainer,
  };
}

/** Run a scenario to completion in virtual time and return everything it measured. */
export async function runSimulation(sc: Scenario, opts: RunOptions = {}): Promise<SimulationResult> {
  const wallStart = performance.now();
  // rss() alone: the full memoryUsage() also walks the heap spaces, which costs more at scale.
  let peakRss = process.memoryUsage.rss();
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  const backend = (await selectBackend(opts.backend ?? 'auto')).backend;
  const n = sc.nodes;
  const topology = buildTopology(parseTopologySpec(sc.topology, 'scenario.topology'), {
    n,
    seed: sc.task.seed,
    baseDir: sc.baseDir,
  });
  const graph0 = topology.schedule.graphAt(0);
  const rng = new Rng(deriveSeed(sc.task.seed, 'scenario'));
  const all = Array.from({ length: n }, (_, i) => i);

  const byzantine = sc.byzantine.nodes ?? pickNodes(rng, all, sc.byzantine.count);
  const byzSet = new Set(byzantine);
  const dataAttack = isDataAttack(sc.byzantine.attack);
  const stragglers = new Set(sc.stragglers.nodes ?? pickNodes(rng, all, Math.round(sc.stragglers.fraction * n)));
  const participates = availabilityOf(sc, all);
  const modest = sc.task.node.modest !== undefined;

  const worldSpec = worldSpecOf(sc, byzantine);
  const data = loadDatasetCached(sc.task.dataset, sc.task.seed);
  const world = new TrainingWorld(worldSpec, data);
  const threads = sc.workers === 'auto' ? defaultThreads() : sc.workers;
  const pool: TrainingPool =
    threads > 0 ? await WorkerPool.start(worldSpec, data, world.model.size, threads, backend) : new InlinePool(world);

  const queue = new EventQueue();
  const network = new VirtualNetwork(queue, topology.schedule, sc.network, sc.task.seed);
  const consensus = new ConsensusAccumulator(world.model.size);
  const recorder = new RunRecorder(sc.jsonl === 'full');
  const evaluations: Promise<void>[] = [];
  const shared = world.initParams('shared');
  const evalStride = Math.max(1, Math.ceil(n / sc.eval.sampleNodes));

  const nodes: Array<LearningNode | undefined> = new Array(n);
  const params: Float32Array[] = all.map((i) => (sc.task.init === 'shared' ? shared.slice() : world.initParams(i)));
  const seedCopies = sc.task.init === 'independent' && sc.firstCopies === 'seed';
  const initial = seedCopies ? params.map((p) => p.slice()) : [];
  const byId = new Map(all.map((i) => [nodeId(i), i]));
  const initialCopyOf = (peer: string): Float32Array | undefined => {
    const j = byId.get(peer);
    return j === undefined ? undefined : initial[j];
  };
  const finished = new Set<number>();
  const down = new Set<number>();
  /** Started, not finished, not down: the run ends when this is empty (checked after every event). */
  const running = new Set<number>();
  const crashedEver = new Set<number>();
  const lateJoiners = new Set(sc.churn.events.filter((e) => e.action === 'join').flatMap((e) => e.nodes ?? []));
  const firedEvents = new Set<number>();
  const pendingRejoins: Array<{ round: number; node: number }> = [];
  let maxRound = 0;
  const total = n * sc.rounds;

  const learnerFor = (i: number): LocalLearner => {
    const slowdown = stragglers.has(i) ? sc.stragglers.slowdown : 1;
    const computeRng = new Rng(deriveSeed(sc.task.seed, 'compute', i));
    return {
      train: (_round, p, done) => {
        const cost =
          sc.task.node.localSteps *
          sc.compute.msPerStep *
          slowdown *
          (1 + sc.compute.jitter * Math.abs(computeRng.gaussian()));
        let result: { params: Float32Array; loss: number } | undefined;
        const job = pool.train(i, p).then((r) => {
          result = r;
        });
        queue.schedule(
          cost,
          () => {
            p.set(result!.params);
            done(result!.loss);
          },
          job,
        );
      },
    };
  };

  const onRound = (i: number, rec: RoundRecord): void => {
    const isByz = byzSet.has(i);
    const line: NodeRoundLine = { type: 'node-round', index: i, byzantine: isByz, ...rec };
    const p = params[i]!;
    const sampled = (i + rec.round) % evalStride === 0 || rec.round === sc.rounds - 1;
    // MoDeST: the model of a round is its aggregators' (trainers hold one trainer's update).
    const evaluated = !isByz && (modest ? rec.role === 'aggregator' : sampled);
    recorder.add(line, evaluated);
    if (!isByz) {
      consensus.add(rec.round, p);
      if (evaluated) {
        evaluations.push(
          pool.evaluate(p, sc.eval.testSamples).then((e) => {
            line.accuracy = e.accuracy;
            line.testLoss = e.loss;
          }),
        );
      }
    }
    if (rec.round + 1 >= sc.rounds && rec.role !== 'trainer') {
      finished.add(i);
      running.delete(i);
      nodes[i]!.stop();
    } else if (sc.churn.randomRate > 0 && rng.next() < sc.churn.randomRate) {
      crash(i, 'random crash');
      pendingRejoins.push({ round: rec.round + 1 + sc.churn.downRounds, node: i });
    }
    opts.onProgress?.(recorder.count, total);
    if (rec.round + 1 > maxRound) {
      maxRound = rec.round + 1;
      fireChurn();
    }
    if (recorder.count % 256 === 0) sampleRss();
  };

  const makeNode = (i: number, startRound: number): LearningNode => {
    const seed = nodeSeed(sc.task, i);
    const node = new LearningNode({
      config: sc.task.node,
      layout: world.model.layout,
      specHash: world.model.specHash,
      params: params[i]!,
      clock: queue,
      transport: network.transportFor(i),
      learner: learnerFor(i),
      seed,
      startRound,
      sharedInitialCopy: sc.task.init === 'shared' && startRound === 0 ? shared : undefined,
      initialCopyOf: seedCopies && startRound === 0 ? initialCopyOf : undefined,
      outgoing:
        byzSet.has(i) && !dataAttack
          ? byzantinePolicy(
              { attack: sc.byzantine.attack as never, params: sc.byzantine.params, f: byzantine.length, n },
              seed,
            )
          : undefined,
      onRound: (r) => onRound(i, r),
      participates: participates(i),
      lastRound: modest ? sc.rounds - 1 : undefined,
      privacy: sc.task.node.privacy
        ? { samplingRate: samplingRate(sc.task.node.batchSize, world.shardSize(i)) }
        : undefined,
      onPrivacyBudgetReached: opts.log
        ? (eps, round) => {
            const what = 'stops training and publishing';
            opts.log!(`${nodeId(i)} reached its privacy budget (ε = ${eps.toFixed(3)}) at round ${round}: ${what}`);
          }
        : undefined,
      onReject: opts.log
        ? (from, reason, detail) => opts.log!(`${nodeId(i)} rejected ${from}: ${reason} (${detail})`)
        : undefined,
    });
    nodes[i] = node;
    running.add(i);
    return node;
  };

  function crash(i: number, why: string): void {
    if (down.has(i) || finished.has(i) || !nodes[i]) return;
    nodes[i]!.stop();
    network.setUp(i, false);
    down.add(i);
    running.delete(i);
    crashedEver.add(i);
    opts.log?.(`${nodeId(i)} down (${why}) at round ${maxRound}`);
  }

  function joinNode(i: number, why: string): void {
    if (finished.has(i) || (nodes[i] && !down.has(i))) return;
    down.delete(i);
    network.setUp(i, true);
    const node = makeNode(i, maxRound);
    const peers = topology.schedule.inNeighboursAt(i, maxRound).filter((j) => network.isUp(j) && !byzSet.has(j));
    opts.log?.(
      `${nodeId(i)} joins (${why}) at round ${maxRound}, pulling from ${peers.slice(0, 2).map(nodeId).join(', ')}`,
    );
    node.join(peers.slice(0, 2).map(nodeId));
  }

  function chooseTargets(e: Scenario['churn']['events'][number]): number[] {
    if (e.nodes) return e.nodes;
    const live = all.filter((i) => !down.has(i) && !finished.has(i) && !lateJoiners.has(i));
    const count = e.count ?? Math.round(e.fraction! * n);
    if (e.target === 'hubs')
      return [...live].sort((a, b) => graph0.adj[b]!.length - graph0.adj[a]!.length || a - b).slice(0, count);
    return pickNodes(rng, live, count);
  }

  function fireChurn(): void {
    sc.churn.events.forEach((e, k) => {
      if (firedEvents.has(k) || e.round > maxRound) return;
      firedEvents.add(k);
      for (const i of chooseTargets(e)) {
        if (e.action === 'crash' || e.action === 'leave') crash(i, e.action);
        else joinNode(i, e.action);
      }
    });
    for (let k = pendingRejoins.length - 1; k >= 0; k--) {
      const r = pendingRejoins[k]!;
      if (r.round > maxRound) continue;
      pendingRejoins.splice(k, 1);
      joinNode(r.node, 'rejoin after random crash');
    }
  }

  for (const i of all) {
    if (lateJoiners.has(i)) continue;
    network.setUp(i, true);
    makeNode(i, 0);
  }
  const loopStart = performance.now();
  const phasesAtStart = phaseTimes();
  for (const i of all) if (!lateJoiners.has(i)) nodes[i]!.start();
  fireChurn();

  let endedBy: string;
  try {
    endedBy = await queue.run(
      () => running.size === 0,
      { maxEvents: 2_000_000_000, maxTimeMs: 1e12 },
      () => pool.flushIdle(),
    );
    pool.flush();
    await Promise.all(evaluations);
  } finally {
    await pool.close();
    if (pool instanceof WorkerPool) world.dispose();
  }
  const loopMs = performance.now() - loopStart;
  const phases = phaseTimesSince(phasesAtStart);
  const state = stateBytes(sc, nodes, world);
  if (!(pool instanceof WorkerPool)) world.dispose();
  sampleRss();

  const lines = recorder.lines();
  const rounds = recorder.rounds(consensus);
  const totals = recorder.totals();
  const finals = lines
    .filter((l) => !l.byzantine && l.round === sc.rounds - 1 && l.accuracy !== undefined)
    .map((l) => l.accuracy!);
  const fp32Frame = (i: number): number => frameLength(utf8Bytes(nodeId(i)), 4 * world.model.size);
  const fp32Bytes = all
    .filter((i) => !byzSet.has(i))
    .reduce((s, i) => s + (network.framesSentBy[i] ?? 0) * fp32Frame(i), 0);
  const summary: SimulationSummary = {
    type: 'summary',
    scenario: sc.name,
    nodes: n,
    honestFinished: finals.length,
    finalAccuracy: finals.length ? finals.reduce((a, b) => a + b, 0) / finals.length : null,
    finalAccuracyMin: finals.length ? Math.min(...finals) : null,
    finalAccuracyMax: finals.length ? Math.max(...finals) : null,
    roundsCompleted: rounds.length,
    virtualSeconds: queue.now() / 1000,
    bytesPerNode: totals.honestBytes / (totals.honestNodes || 1),
    messages: network.stats.messages,
    lost: network.stats.lost,
    syncRequests: network.stats.syncRequests,
    rejected: totals.rejected,
    endedBy,
    byzantine,
    crashed: [...crashedEver].sort((a, b) => a - b),
    ...(sc.task.node.privacy ? { privacy: privacySummary(sc, totals) } : {}),
  };
  return {
    scenario: sc,
    topology,
    lines,
    rounds,
    summary,
    wallSeconds: (performance.now() - wallStart) / 1000,
    fp32BytesPerNode: fp32Bytes / (totals.honestNodes || 1),
    peakRssMB: peakRss / 2 ** 20,
    backend,
    threads: pool.threads,
    timing: { setupMs: loopStart - wallStart, loopMs, ...pool.busy, phases },
    state,
  };
}

function stateBytes(sc: Scenario, nodes: ReadonlyArray<LearningNode | undefined>, world: TrainingWorld): StateBytes {
  let params = 0;
  let publicCopy = 0;
  let inbox = 0;
  let shardRows = 0;
  let count = 0;
  nodes.forEach((node, i) => {
    if (!node) return;
    const b = node.stateBytes();
    params += b.params;
    publicCopy += b.publicCopy;
    inbox += b.inbox;
    shardRows += 8 * world.shardSize(i);
    count++;
  });
  const n = Math.max(1, count);
  const { train, test } = world.data;
  return {
    params: params / n,
    publicCopy: publicCopy / n,
    inbox: inbox / n,
    optimizer: 4 * optimizerSlots(sc.task.node.optimizer) * world.model.size,
    shardRows: shardRows / n,
    sharedData: train.x.byteLength + train.y.byteLength + test.x.byteLength + test.y.byteLength,
  };
}
