// Methods aimed at non-IID data on the default scenario, one row each: the default, then the
// default with one setting changed (the method removed or added), and the previous default.
// Every row prints final accuracy, its gap to centralized training at an equal number of samples
// (exp-default.ts prints that baseline), MiB per node and the consensus distance at the end.
// Usage: node scripts/exp-heterogeneity.ts [--only TEXT] [--rounds N]
import { keyframeShare } from '../src/sim/output.ts';
import { numberOption, scriptArgs } from './lib/args.ts';
import { pct, printTable, run, scenarioFrom } from './lib/experiment.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary:
    'Heterogeneity methods on the default scenario: ' +
    'the default, the default with one change each, and the previous default.',
  options: {
    rounds: { type: 'string', value: 'N', description: "rounds (default: the scenario's)" },
    only: { type: 'string', value: 'TEXT', description: 'only the rows whose name contains TEXT' },
  },
});
const rounds =
  values.rounds === undefined ? undefined : numberOption('rounds', values.rounds, { integer: true, min: 1 });
const base = scenarioFrom('default.json');
const opt = base.task.node.optimizer as Record<string, unknown>;
// Overrides are deep-merged into the scenario, so a schedule is switched off by naming 'constant'.
const constant = { type: 'constant' };
const topk5 = { name: 'topk', fraction: 0.05, values: 'fp16' };

type Json = Record<string, unknown>;
const rows: Array<[string, Json]> = [
  ['default', {}],
  ['− cosine lr decay (constant lr)', { task: { node: { optimizer: { ...opt, schedule: constant } } } }],
  ['lr 0.1 instead of 0.2', { task: { node: { optimizer: { ...opt, lr: 0.1 } } } }],
  ['γ 0.6 instead of 0.9', { task: { node: { consensusStep: 0.6 } } }],
  ['+ quasi-global momentum', { task: { node: { optimizer: { ...opt, type: 'quasi-global' } } } }],
  ['+ tracked variance rescale', { task: { node: { trackedRescale: true } } }],
  ['codec top-k 5% fp16 instead of layered', { task: { node: { codec: topk5 } } }],
  [
    'previous default (top-k 5%, γ 0.6, lr 0.05, keyframes at 0.3, first copies as keyframes)',
    {
      firstCopies: 'keyframe',
      task: {
        node: {
          codec: topk5,
          consensusStep: 0.6,
          keyframeResidual: 0.3,
          optimizer: { type: 'momentum', lr: 0.05, momentum: 0.9, schedule: constant },
        },
      },
    },
  ],
];
const table: Array<Array<string | number>> = [];
for (const [name, over] of rows) {
  if (values.only && !name.includes(values.only)) continue;
  const r = await run(scenarioFrom('default.json', { ...over, ...(rounds ? { rounds } : {}) }));
  console.error(`${name}: ${pct(r.summary.finalAccuracy)} in ${r.wallSeconds.toFixed(0)} s`);
  const last = r.rounds[r.rounds.length - 1]!;
  table.push([
    name,
    pct(r.summary.finalAccuracy),
    pct(r.summary.finalAccuracyMin),
    (r.summary.bytesPerNode / 2 ** 20).toFixed(2),
    last.consensusDistance.toFixed(2),
    keyframeShare(r),
  ]);
}
console.log(
  `\nDefault scenario (${base.nodes} nodes, ${rounds ?? base.rounds} rounds, seed ${base.task.seed}), ` +
    'one change per row\n',
);
printTable(['configuration', 'final acc', 'worst node', 'MiB / node', 'final consensus dist.', 'keyframes'], table);
