// Experiment (c): bytes each node sends until the network reaches a target accuracy, fp32 gossip
// against compressed gossip (top-k with CHOCO error feedback, int8, ...). Same scenario, same seed.
// Usage: node scripts/exp-compression.ts [--target 0.9] [--rounds 60]
import { bytesTo, pct, printTable, roundsTo, run, scenarioFrom } from './lib/experiment.ts';
import { scriptArgs } from './lib/args.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary: 'Experiment (c): bytes each node sends until a target accuracy, fp32 gossip against compressed gossip.',
  options: {
    target: { type: 'string', default: '0.9', value: 'ACC', description: 'target mean accuracy' },
    rounds: { type: 'string', default: '60', value: 'N', description: 'rounds' },
    only: { type: 'string', value: 'TEXT', description: 'only the variants whose name contains TEXT' },
  },
});
const target = Number(values.target);
const variants: Array<[string, Record<string, unknown>]> = [
  ['fp32 (none)', { codec: { name: 'none' } }],
  ['int8', { codec: { name: 'int8' }, consensusStep: 1 }],
  ['top-k 1% fp16, γ=0.4', { codec: { name: 'topk', fraction: 0.01, values: 'fp16' }, consensusStep: 0.4 }],
  ['top-k 2% fp16, γ=0.4', { codec: { name: 'topk', fraction: 0.02, values: 'fp16' }, consensusStep: 0.4 }],
  ['top-k 5% fp16, γ=0.6', { codec: { name: 'topk', fraction: 0.05, values: 'fp16' }, consensusStep: 0.6 }],
];

const rows: Array<Array<string | number>> = [];
let fp32Bytes: number | null = null;
for (const [name, node] of variants) {
  if (values.only && !name.includes(values.only)) continue;
  const r = await run(scenarioFrom('compression.json', { rounds: Number(values.rounds), node }));
  const bytes = bytesTo(r, target);
  if (name.startsWith('fp32')) fp32Bytes = bytes;
  const ratio = bytes !== null && fp32Bytes !== null ? (fp32Bytes / bytes).toFixed(1) + 'x' : 'n/a';
  rows.push([name, pct(r.summary.finalAccuracy), roundsTo(r, target) ?? 'never', bytes === null ? 'n/a' : (bytes / 2 ** 20).toFixed(2), ratio, (r.summary.bytesPerNode / 2 ** 20).toFixed(2)]);
  console.error(`${name}: done in ${r.wallSeconds.toFixed(0)} s`);
}
console.log(`\nBytes sent per node to reach ${pct(target)} mean accuracy (scenario topologies/scenarios/compression.json)\n`);
printTable(['codec', 'final acc', `rounds to ${pct(target)}`, `MiB to ${pct(target)}`, 'fewer bytes than fp32', 'MiB total'], rows);
