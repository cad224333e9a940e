// Experiment (c): bytes each node sends until the network reaches a target accuracy, fp32 gossip
// against compressed gossip (top-k with CHOCO error feedback, int8, ...). Same scenario, same seed.
// Usage: node scripts/exp-compression.ts [--target 0.9] [--rounds 60] [--scenario compression.json] [--only a,b]
import { bytesTo, pct, printTable, roundsTo, run, scenarioFrom } from './lib/experiment.ts';
import { numberOption, scriptArgs } from './lib/args.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary: 'Experiment (c): bytes each node sends until a target accuracy, fp32 gossip against compressed gossip.',
  options: {
    target: { type: 'string', default: '0.9', value: 'ACC', description: 'target mean accuracy' },
    rounds: {
      type: 'string',
      value: 'N',
      description: "rounds (default: 60 on compression.json, else the scenario's)",
    },
    scenario: {
      type: 'string',
      default: 'compression.json',
      value: 'FILE',
      description: 'scenario in topologies/scenarios',
    },
    only: {
      type: 'string',
      value: 'LIST',
      description: 'only the variants whose name contains one of these comma-separated texts',
    },
  },
});
const target = Number(values.target);
const variants: Array<[string, Record<string, unknown>]> = [
  ['fp32 (none)', { codec: { name: 'none' }, consensusStep: 1 }],
  ['int8', { codec: { name: 'int8' }, consensusStep: 1 }],
  ['top-k 1% fp16, γ=0.4', { codec: { name: 'topk', fraction: 0.01, values: 'fp16' }, consensusStep: 0.4 }],
  ['top-k 2% fp16, γ=0.4', { codec: { name: 'topk', fraction: 0.02, values: 'fp16' }, consensusStep: 0.4 }],
  ['top-k 5% fp16, γ=0.6', { codec: { name: 'topk', fraction: 0.05, values: 'fp16' }, consensusStep: 0.6 }],
  ['powersgd rank 2, γ=0.6', { codec: { name: 'powersgd', rank: 2 }, consensusStep: 0.6 }],
  ['powersgd rank 4, γ=0.6', { codec: { name: 'powersgd', rank: 4 }, consensusStep: 0.6 }],
  ['layered 2%, γ=0.6', { codec: { name: 'layered', budget: 0.02 }, consensusStep: 0.6 }],
  ['layered 4.5%, γ=0.8', { codec: { name: 'layered', budget: 0.045 }, consensusStep: 0.8 }],
];
const only = values.only?.split(',').filter((t) => t !== '');
const rounds =
  values.rounds === undefined
    ? values.scenario === 'compression.json'
      ? 60
      : undefined
    : numberOption('rounds', values.rounds, { min: 1 });

const rows: Array<Array<string | number>> = [];
let fp32Bytes: number | null = null;
for (const [name, node] of variants) {
  if (only && !name.startsWith('fp32') && !only.some((t) => name.includes(t))) continue;
  const r = await run(scenarioFrom(values.scenario!, { ...(rounds ? { rounds } : {}), task: { node } }));
  const bytes = bytesTo(r, target);
  if (name.startsWith('fp32')) fp32Bytes = bytes;
  const ratio = bytes !== null && fp32Bytes !== null ? (fp32Bytes / bytes).toFixed(1) + 'x' : 'n/a';
  rows.push([
    name,
    pct(r.summary.finalAccuracy),
    roundsTo(r, target) ?? 'never',
    bytes === null ? 'n/a' : (bytes / 2 ** 20).toFixed(2),
    ratio,
    (r.summary.bytesPerNode / 2 ** 20).toFixed(2),
  ]);
  console.error(`${name}: done in ${r.wallSeconds.toFixed(0)} s`);
}
console.log(
  `\nBytes sent per node to reach ${pct(target)} mean accuracy (scenario topologies/scenarios/${values.scenario})\n`,
);
printTable(
  ['codec', 'final acc', `rounds to ${pct(target)}`, `MiB to ${pct(target)}`, 'fewer bytes than fp32', 'MiB total'],
  rows,
);
