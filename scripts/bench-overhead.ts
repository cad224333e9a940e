// Experiment (g): at 100 nodes, time spent outside local training (compression, decoding and
// validation, aggregation, the network simulation) as a fraction of local training time, and where it goes.
// Runs single-threaded so the split is exact. Usage: node scripts/bench-overhead.ts [--nodes 100]
import { loadavg } from 'node:os';
import { printTable, run, scenarioFrom } from './lib/experiment.ts';
import { scriptArgs } from './lib/args.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary:
    'Time outside local training (compression, decoding, aggregation, network simulation) as a share of training time.',
  options: {
    nodes: { type: 'string', default: '100', value: 'N', description: 'simulated nodes' },
    rounds: { type: 'string', default: '10', value: 'N', description: 'rounds' },
  },
});
const rows: Array<Array<string | number>> = [];
const phaseRows: Array<Array<string | number>> = [];
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const GOAL = 5;
let worst = 0;
const shared = (node: Record<string, unknown>) => ({ init: 'shared', node });
for (const [name, task] of [
  // The default scenario's own task: layered codec, independent initialisations.
  ['default: layered CHOCO + metropolis', {}],
  [
    'top-k 1% CHOCO + metropolis',
    shared({ codec: { name: 'topk', fraction: 0.01, values: 'fp16' }, consensusStep: 0.4 }),
  ],
  [
    'top-k 1% CHOCO + trimmed-mean',
    shared({
      codec: { name: 'topk', fraction: 0.01, values: 'fp16' },
      consensusStep: 0.4,
      aggregator: { rule: 'trimmed-mean', f: 1 },
    }),
  ],
  ['int8 + metropolis', shared({ codec: { name: 'int8' }, consensusStep: 1 })],
  ['fp32 + metropolis', shared({ codec: { name: 'none' } })],
] as const) {
  const sc = scenarioFrom('default.json', {
    nodes: Number(values.nodes),
    rounds: Number(values.rounds),
    task,
    workers: 0,
    eval: { sampleNodes: 5 },
  });
  const startLoad = load();
  const r = await run(sc);
  const t = r.timing;
  const overhead = t.loopMs - t.trainMs - t.evalMs;
  const share = (100 * overhead) / t.trainMs;
  worst = Math.max(worst, share);
  const seconds = (ms: number): string => (ms / 1000).toFixed(1);
  const loads = `${startLoad} → ${load()}`;
  rows.push([name, seconds(t.trainMs), seconds(t.evalMs), seconds(overhead), `${share.toFixed(1)}%`, loads]);
  const nodeRounds = Number(values.nodes) * Number(values.rounds);
  const perNodeRound = (ms: number): string => (ms / nodeRounds).toFixed(2);
  const { encode, pricing, decode, fold, mix } = t.phases;
  const rest = overhead - encode - decode - fold - mix;
  const cells = [t.trainMs, encode, pricing, decode, fold, mix, rest, overhead].map(perNodeRound);
  phaseRows.push([name, ...cells]);
  console.error(`${name}: ${r.wallSeconds.toFixed(0)} s`);
}
console.log(
  `\n${values.nodes} nodes, ${values.rounds} rounds, MLP 784-128-10, 4-regular graph, single thread ` +
    '(setup excluded); all but the default row start from a shared initialisation\n',
);
const header = ['configuration', 'training s', 'evaluation s', 'everything else s', 'overhead / training', 'load'];
printTable(header, rows);
const verdict = worst <= GOAL ? 'met' : 'NOT met';
console.log('\nWhere the time besides training goes, ms per node-round (encode includes pricing):\n');
printTable(
  ['configuration', 'training', 'encode', 'pricing', 'decode', 'fold', 'mix', 'rest', 'everything else'],
  phaseRows,
);
console.log(`goal: overhead ≤ ${GOAL}% of local training time → worst ${worst.toFixed(1)}%: ${verdict}`);
