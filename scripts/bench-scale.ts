// Experiment (f): how a simulation's cost grows with the node count. Each size runs in its own
// process (so peak RSS is its own): wall time, time per node-round, peak memory and the bytes of
// state per node, then the goals. Usage: node scripts/bench-scale.ts [--sizes 1000,10000,100000]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { jsonlDigest } from '../src/sim/output.ts';
import type { SimulationResult } from '../src/sim/run.ts';
import { fail, numberOption, scriptArgs } from './lib/args.ts';
import { pct, printTable, run, scenarioFrom } from './lib/experiment.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary: 'Node-count scaling: wall time, time per node-round, peak memory and state bytes per node.',
  options: {
    sizes: {
      type: 'string',
      default: '1000,10000,100000',
      value: 'N,N,…',
      description: 'node counts for scale-100k.json (logreg, synthetic data, 33 samples per node)',
    },
    rounds: { type: 'string', default: '20', value: 'N', description: 'rounds' },
    'mlp-nodes': {
      type: 'string',
      default: '1000',
      value: 'N',
      description: 'nodes for scale-mlp-1000.json (MLP 784-128-10 on MNIST); 0 skips it',
    },
    workers: { type: 'string', default: 'auto', value: 'N|auto', description: 'training worker threads' },
    'check-determinism': {
      type: 'boolean',
      default: false,
      description: 'run the largest size with 1 and with 2 workers and compare JSONL digests',
    },
    'determinism-rounds': {
      type: 'string',
      value: 'N',
      description: "rounds for the determinism pair (default: --rounds, reusing the table's run)",
    },
    one: { type: 'string', value: 'JSON', description: '(internal) run one configuration, print its measurements' },
  },
});

interface Config {
  file: string;
  nodes: number;
  rounds: number;
  workers: number | 'auto';
}

interface Measured {
  scenario: string;
  nodes: number;
  rounds: number;
  threads: number;
  trainer: string;
  nodeRounds: number;
  wallS: number;
  /** CPU time of the whole process (all threads): less sensitive than wall time to other load. */
  cpuS: number;
  setupS: number;
  loopS: number;
  trainS: number;
  evalS: number;
  peakMiB: number;
  state: SimulationResult['state'];
  finalAccuracy: number | null;
  digest: string;
  load: string;
}

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

if (values.one !== undefined) {
  const c = JSON.parse(values.one) as Config;
  const startLoad = load();
  // The synthetic set grows with the node count (33 samples per node: 32 to train, 1 to test).
  const data = c.file === 'scale-100k.json' ? { task: { dataset: { samples: 33 * c.nodes } } } : {};
  const sc = scenarioFrom(c.file, { nodes: c.nodes, rounds: c.rounds, workers: c.workers, ...data });
  const r = await run(sc);
  const m: Measured = {
    scenario: sc.name,
    nodes: sc.nodes,
    rounds: sc.rounds,
    threads: r.threads,
    trainer: sc.trainer,
    nodeRounds: r.rounds.reduce((s, x) => s + x.nodes, 0),
    wallS: r.wallSeconds,
    cpuS: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    setupS: r.timing.setupMs / 1000,
    loopS: r.timing.loopMs / 1000,
    trainS: r.timing.trainMs / 1000,
    evalS: r.timing.evalMs / 1000,
    peakMiB: r.peakRssMB,
    state: r.state,
    finalAccuracy: r.summary.finalAccuracy,
    digest: jsonlDigest(r),
    load: `${startLoad} → ${load()}`,
  };
  console.log(JSON.stringify(m));
  process.exit(0);
}

const rounds = numberOption('rounds', values.rounds, { min: 1 });
const sizes = values.sizes
  .split(',')
  .filter((s) => s !== '')
  .map((s) => numberOption('sizes', s, { min: 2 }));
const mlpNodes = numberOption('mlp-nodes', values['mlp-nodes'], { min: 0 });
const workers = values.workers === 'auto' ? 'auto' : numberOption('workers', values.workers, { min: 0 });
if (sizes.length === 0 && mlpNodes === 0) fail('nothing to run: give --sizes or --mlp-nodes');

function measure(c: Config): Measured {
  console.error(`running ${c.file} with ${c.nodes} nodes × ${c.rounds} rounds (workers ${c.workers}; load ${load()})`);
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--one', JSON.stringify(c)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{')) {
    fail(`${c.file} with ${c.nodes} nodes failed (exit ${child.status})`);
  }
  const m = JSON.parse(last) as Measured;
  console.error(`  ${m.wallS.toFixed(1)} s, ${m.peakMiB.toFixed(0)} MiB peak`);
  return m;
}

const runs: Measured[] = [];
for (const nodes of sizes) runs.push(measure({ file: 'scale-100k.json', nodes, rounds, workers }));
if (mlpNodes > 0) runs.push(measure({ file: 'scale-mlp-1000.json', nodes: mlpNodes, rounds, workers }));

const kib = (b: number): string => (b / 1024).toFixed(b < 10240 ? 2 : 0);
console.log(
  '\nCost by node count (each row its own process; wall times on a shared machine; load: 1/5/15-min averages)\n',
);
printTable(
  [
    'scenario',
    'nodes',
    'threads',
    'wall s',
    'CPU s',
    'setup s',
    'µs / node-round',
    'CPU µs / node-round',
    'peak RSS MiB',
    'RSS KiB / node',
    'final acc',
    'load (start → end)',
  ],
  runs.map((m) => [
    m.scenario,
    m.nodes,
    m.threads,
    m.wallS.toFixed(1),
    m.cpuS.toFixed(1),
    m.setupS.toFixed(1),
    ((1e6 * m.loopS) / m.nodeRounds).toFixed(0),
    ((1e6 * m.cpuS) / m.nodeRounds).toFixed(0),
    m.peakMiB.toFixed(0),
    kib((m.peakMiB * 2 ** 20) / m.nodes),
    pct(m.finalAccuracy),
    m.load,
  ]),
);
console.log('\nState kept per node (KiB; the dataset is shared by all nodes and threads, not copied per node)\n');
printTable(
  [
    'scenario',
    'nodes',
    'parameters',
    'own public copy',
    "neighbours' copies",
    'optimizer',
    'shard rows',
    'total / node',
    'shared dataset MiB',
  ],
  runs.map((m) => {
    const s = m.state;
    return [
      m.scenario,
      m.nodes,
      kib(s.params),
      kib(s.publicCopy),
      kib(s.inbox),
      kib(s.optimizer),
      kib(s.shardRows),
      kib(s.params + s.publicCopy + s.inbox + s.optimizer + s.shardRows),
      (s.sharedData / 2 ** 20).toFixed(0),
    ];
  }),
);
console.log('\nWhere the loop time goes (training and evaluation are summed over worker threads)\n');
printTable(
  ['scenario', 'nodes', 'loop s', 'training s', 'evaluation s'],
  runs.map((m) => [m.scenario, m.nodes, m.loopS.toFixed(1), m.trainS.toFixed(1), m.evalS.toFixed(1)]),
);

const goal = (m: Measured | undefined, what: string, maxS: number, maxMiB: number): void => {
  if (!m) return;
  const ok = m.wallS <= maxS && m.peakMiB <= maxMiB;
  const got = `${m.wallS.toFixed(0)} s, ${m.peakMiB.toFixed(0)} MiB`;
  console.log(`goal ${what}: ≤ ${maxS} s and ≤ ${maxMiB} MiB → ${got}: ${ok ? 'met' : 'NOT met'}`);
};
console.log('');
const find = (scenario: string, nodes: number): Measured | undefined =>
  runs.find((m) => m.scenario === scenario && m.nodes === nodes && m.rounds === 20);
goal(find('scale-100k', 100_000), '100,000 nodes × 20 rounds', 600, 12 * 1024);
goal(find('scale-mlp-1000', 1000), '1,000 MLP(128) nodes × 20 rounds', 300, 8 * 1024);

if (values['check-determinism'] && sizes.length > 0) {
  const nodes = Math.max(...sizes);
  const given = values['determinism-rounds'];
  const dRounds = given === undefined ? rounds : numberOption('determinism-rounds', given, { min: 1 });
  const pair = [1, 2].map((w) => {
    const done = runs.find(
      (m) => m.scenario === 'scale-100k' && m.nodes === nodes && m.rounds === dRounds && m.threads === w,
    );
    return done ?? measure({ file: 'scale-100k.json', nodes, rounds: dRounds, workers: w });
  });
  const [one, two] = pair as [Measured, Measured];
  const same = one.digest === two.digest;
  console.log(
    `determinism at ${nodes} nodes × ${dRounds} rounds: JSONL SHA-256 with 1 thread ${one.digest.slice(0, 16)}… ` +
      `(${one.wallS.toFixed(0)} s), with 2: ${two.digest.slice(0, 16)}… (${two.wallS.toFixed(0)} s) → ` +
      (same ? 'identical' : 'DIFFERENT'),
  );
}
