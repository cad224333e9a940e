/**
 * Daemons vs the simulator on the same scenario: N real `gossiplearn node` processes on loopback
 * against `runSimulation` with the simulator's compute and network set from what the daemons
 * measured (per-step training time inside the cluster, ~0.1 ms latency, loopback bandwidth).
 * Reports round time (ratio, goal ≤ 1.5x) and bytes per node per round; with --sweep also the
 * pubsub bytes a node sends per round against its degree and the network size.
 *
 *   node_modules/.bin/node scripts/bench-daemon.ts [--nodes 16] [--rounds 30]
 *     [--topology topologies/random-regular.json] [--sweep | --sweep-only]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTaskSpec } from '../src/task/spec.ts';
import { runCluster, type ClusterRunResult } from '../src/cluster/cluster-run.ts';
import { parseDaemonConfig } from '../src/daemon/config.ts';
import { DaemonLearner } from '../src/daemon/learner.ts';
import { selectBackend } from '../src/learn/backend.ts';
import { loadDataset } from '../src/learn/datasets/index.ts';
import type { NodeRoundLine } from '../src/report/rounds.ts';
import { runSimulation } from '../src/sim/run.ts';
import { parseScenario } from '../src/sim/scenario.ts';
import { loadTopology } from '../src/topology/index.ts';
import { printTable } from './lib/experiment.ts';
import { scriptArgs } from './lib/args.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = scriptArgs({
  script: import.meta.url,
  summary:
    'N real daemons on loopback against the simulator on the same scenario: ' +
    'round time ratio and bytes per node per round.',
  options: {
    nodes: { type: 'string', default: '16', value: 'N', description: 'daemons to run' },
    rounds: { type: 'string', default: '30', value: 'N', description: 'rounds each daemon trains' },
    topology: {
      type: 'string',
      default: 'topologies/random-regular.json',
      value: 'FILE',
      description: 'topology file',
    },
    scenario: {
      type: 'string',
      default: 'topologies/scenarios/default.json',
      value: 'FILE',
      description: 'scenario whose task the daemons run',
    },
    sweep: {
      type: 'boolean',
      default: false,
      description: 'also measure pubsub bytes per round against degree and network size',
    },
    'sweep-only': { type: 'boolean', default: false, description: 'only the sweep' },
    keep: { type: 'boolean', default: false, description: 'keep the run directory' },
  },
});
const nodes = Number(args.nodes);
const rounds = Number(args.rounds);

type Json = Record<string, unknown>;
const scenarioJson = JSON.parse(readFileSync(resolve(root, args.scenario!), 'utf8')) as Json;
/** The daemons' task: the scenario's, unchanged. */
const task = (scenarioJson.task ?? {}) as Json;
const seed = (task.seed as number | undefined) ?? 1;
const evalEvery5 = { eval: { every: 5, testSamples: 500 } };

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const f = (x: number | null, digits = 1): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));

/**
 * Steady state: rounds in [from, to), when every daemon has booted and none has finished yet.
 * Per node: the round period ((last close − first start) / rounds), the compute part of a round
 * (start → publish: local steps and encoding, what the simulator charges as compute) and the
 * update bytes it sent per round (copies × frame size).
 */
function window(
  lines: readonly NodeRoundLine[],
  from: number,
  to: number,
): { period: number; duration: number; compute: number[]; bytesPerRound: number } {
  const inside = lines.filter((l) => l.round >= from && l.round < to);
  const byNode = new Map<number, NodeRoundLine[]>();
  for (const l of inside) (byNode.get(l.index) ?? byNode.set(l.index, []).get(l.index)!).push(l);
  const periods = [...byNode.values()].map(
    (ls) => (Math.max(...ls.map((l) => l.closedAt)) - Math.min(...ls.map((l) => l.startedAt))) / ls.length,
  );
  return {
    period: mean(periods),
    duration: mean(inside.map((l) => l.closedAt - l.startedAt)),
    compute: inside.map((l) => l.publishedAt - l.startedAt),
    bytesPerRound: mean(inside.map((l) => l.bytesSentPayload + l.bytesSentMeta)),
  };
}

/** Training time per local step in one quiet process (no other daemon competing for the CPU). */
async function standaloneMsPerStep(): Promise<number> {
  await selectBackend('auto');
  const learning = { ...evalEvery5, partitionIndex: 0, partitionCount: nodes };
  const cfg = parseDaemonConfig({ dataDir: '.', task, learning }, 'bench');
  const learner = new DaemonLearner(cfg.task, cfg.learning, loadDataset(cfg.task.dataset, cfg.task.seed));
  const params = learner.initParams('own');
  const train = (): Promise<void> => new Promise((r) => learner.train(0, params, () => r()));
  for (let i = 0; i < 3; i++) await train();
  const t0 = learner.trainingMs;
  const s0 = learner.stepsDone;
  for (let i = 0; i < 10; i++) await train();
  const ms = (learner.trainingMs - t0) / (learner.stepsDone - s0);
  learner.dispose();
  return ms;
}

async function cluster(
  topologyFile: string,
  n: number,
  r: number,
  t: Json,
  learning: Json,
  out: string,
): Promise<ClusterRunResult> {
  return runCluster({
    outDir: out,
    topology: loadTopology(resolve(root, topologyFile), { n, seed }),
    task: t,
    learning,
    rounds: r,
    network: 'bench',
    daemon: { startupWaitMs: 60_000, log: { level: 'warn' } },
    timeoutMs: 900_000,
    log: (m) => console.error(m),
  });
}

const work = mkdtempSync(join(tmpdir(), 'gl-bench-daemon-'));
async function compareWithSimulator(): Promise<void> {
  const aloneMs = await standaloneMsPerStep();
  console.error(`standalone training: ${aloneMs.toFixed(2)} ms per local step`);

  const daemons = await cluster(args.topology!, nodes, rounds, task, evalEvery5, join(work, 'main'));
  const from = Math.ceil(rounds / 5);
  const to = rounds - from;
  const steps = parseTaskSpec(task, args.scenario!).node.localSteps;
  const d = window(daemons.lines, from, to);
  const wireSent = mean(daemons.costs.map((c) => c.wireSentPerRound).filter((x): x is number => x !== null));
  const wireRecv = mean(daemons.costs.map((c) => c.wireReceivedPerRound).filter((x): x is number => x !== null));
  const accD = daemons.rounds[daemons.rounds.length - 1]?.meanAccuracy ?? null;

  // The simulator charges compute as steps × msPerStep × (1 + jitter·|N(0,1)|). Fit msPerStep and
  // jitter to the mean and spread of the compute the daemons actually had in the steady state
  // (16 processes share the cores, so it is far above the standalone time), and give it a
  // loopback-like network: 0.1 ms latency, no latency jitter, 10 Gbit/s, no loss.
  const cMean = mean(d.compute);
  const cv = Math.sqrt(mean(d.compute.map((x) => (x - cMean) ** 2))) / cMean;
  const jitter = Math.min(1, Math.max(0, cv / (0.603 - 0.798 * cv)));
  const msPerStep = cMean / (steps * (1 + 0.798 * jitter));
  const sc = parseScenario(
    {
      ...scenarioJson,
      name: 'bench-daemon',
      nodes,
      rounds,
      topology: resolve(root, args.topology!),
      network: { latencyMs: 0.1, jitter: 0, bandwidthMbps: 10_000, loss: 0 },
      compute: { msPerStep, jitter },
      eval: { sampleNodes: nodes, testSamples: 500 },
      workers: 0,
    },
    'bench',
    root,
  );
  const sim = await runSimulation(sc);
  const s = window(sim.lines, from, to);
  const accS = sim.rounds[sim.rounds.length - 1]?.meanAccuracy ?? null;

  console.log(
    `\n${nodes} nodes on ${args.topology}, ${rounds} rounds (steady state: rounds ${from}-${to - 1}); ` +
      `scenario ${args.scenario}: ${JSON.stringify(task.model)}, ` +
      `codec ${JSON.stringify((task.node as Json | undefined)?.codec)}, ${steps} local steps per round`,
  );
  console.log(
    `training per local step: ${aloneMs.toFixed(2)} ms in one quiet process; ` +
      `inside the ${nodes}-daemon cluster a round's compute (start → publish) ` +
      `was ${cMean.toFixed(0)} ms (CV ${cv.toFixed(2)})`,
  );
  console.log(
    `→ simulator compute.msPerStep ${msPerStep.toFixed(2)} ms, compute.jitter ${jitter.toFixed(2)}; ` +
      'network latency 0.1 ms, 10 Gbit/s\n',
  );
  printTable(
    ['', 'daemons (libp2p, loopback)', 'simulator', 'ratio'],
    [
      [
        'round period, ms ((last close − first start) / rounds)',
        f(d.period),
        f(s.period),
        `${f(d.period / s.period, 2)}x`,
      ],
      ['round duration, ms (start → close)', f(d.duration), f(s.duration), `${f(d.duration / s.duration, 2)}x`],
      ['compute per round, ms (start → publish)', f(cMean), f(mean(s.compute)), `${f(cMean / mean(s.compute), 2)}x`],
      [
        'update bytes sent per node per round',
        f(d.bytesPerRound, 0),
        f(s.bytesPerRound, 0),
        `${f(d.bytesPerRound / s.bytesPerRound, 2)}x`,
      ],
      ['pubsub wire bytes sent / received per node per round', `${f(wireSent, 0)} / ${f(wireRecv, 0)}`, '-', '-'],
      [
        'final mean accuracy',
        accD === null ? 'n/a' : `${(100 * accD).toFixed(2)}%`,
        accS === null ? 'n/a' : `${(100 * accS).toFixed(2)}%`,
        '-',
      ],
      ['wall time, s', f(daemons.wallSeconds), f(sim.wallSeconds), '-'],
    ],
  );
}

/** Bytes a node sends per round should follow its degree, not the network size. */
async function bytesVsDegree(): Promise<void> {
  // No keyframes after the start (shared init, no residual-triggered keyframes): only deltas.
  const light: Json = {
    ...task,
    model: { type: 'logreg' },
    init: 'shared',
    node: { ...(task.node as Json), keyframeResidual: 0 },
  };
  const lightEval = { eval: { every: 10, testSamples: 200 } };
  const cases: Array<[string, string, number]> = [
    ['ring', 'topologies/ring.json', 8],
    ['ring', 'topologies/ring.json', 16],
    ['random-regular d=4', 'topologies/random-regular.json', 8],
    ['random-regular d=4', 'topologies/random-regular.json', 16],
    ['full', 'topologies/full.json', 8],
  ];
  const rows: string[][] = [];
  for (const [name, file, n] of cases) {
    const r = await cluster(file, n, 12, light, lightEval, join(work, `sweep-${name.replace(/\W+/g, '-')}-${n}`));
    const deg = mean(loadTopology(resolve(root, file), { n, seed }).graph!.adj.map((a) => a.length));
    const sent = mean(r.costs.map((c) => c.wireSentPerRound).filter((x): x is number => x !== null));
    const app = mean(r.costs.map((c) => c.appSentPerRound));
    rows.push([name, String(n), f(deg, 1), f(app, 0), f(sent, 0), f(sent / deg, 0)]);
  }
  console.log(`\nbytes vs degree (logreg on the same data, ${12} rounds):\n`);
  printTable(
    [
      'topology',
      'n',
      'mean degree',
      'update bytes sent / node / round',
      'pubsub wire bytes sent / node / round',
      'wire bytes per neighbour',
    ],
    rows,
  );
}

try {
  if (!args['sweep-only']) await compareWithSimulator();
  if (args.sweep || args['sweep-only']) await bytesVsDegree();
} finally {
  if (args.keep) console.error(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
