// Experiment (b): plain versus variance-corrected averaging from independent initialisations, and a
// star (FedAvg-like: every leaf averages with one hub) configuration. Prints rounds to a target accuracy.
// Usage: node scripts/exp-variance.ts [--target 0.9] [--rounds 60]
import { pct, printTable, roundsTo, run, scenarioFrom } from './lib/experiment.ts';
import { scriptArgs } from './lib/args.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary:
    'Experiment (b): plain against variance-corrected averaging from independent inits; rounds to a target accuracy.',
  options: {
    target: { type: 'string', default: '0.9', value: 'ACC', description: 'target mean accuracy' },
    rounds: { type: 'string', default: '60', value: 'N', description: 'rounds' },
    only: { type: 'string', value: 'TEXT', description: 'only the variants whose name contains TEXT' },
  },
});
const target = Number(values.target);
const rounds = Number(values.rounds);
const inputsCorrected = { task: { node: { aggregator: { varianceCorrection: 'inputs' } } } };
const fedAvg = {
  aggregator: { rule: 'mean', selfWeight: 0 },
  quorum: 1,
  deadline: { floorMs: 600_000, capMs: 600_000 },
};
const variants: Array<[string, Record<string, unknown>]> = [
  ['4-regular, plain averaging', {}],
  ['4-regular, variance-corrected (inputs)', inputsCorrected],
  ['4-regular, variance-corrected (xavier)', { task: { node: { aggregator: { varianceCorrection: 'xavier' } } } }],
  ['ring, plain averaging', { topology: '../ring.json' }],
  ['ring, variance-corrected (inputs)', { topology: '../ring.json', ...inputsCorrected }],
  // Star with self weight 0 and no deadline: the hub averages every leaf, each leaf adopts the
  // hub's model and waits for it (synchronous FedAvg with a server that also trains, one round late).
  ['star, FedAvg-like, independent init', { topology: '../star.json', task: { node: fedAvg } }],
  ['star, FedAvg-like, shared init', { topology: '../star.json', task: { init: 'shared', node: fedAvg } }],
];
const rows: Array<Array<string | number>> = [];
for (const [name, ov] of variants) {
  if (values.only && !name.includes(values.only)) continue;
  const r = await run(scenarioFrom('variance.json', { rounds, ...ov }));
  rows.push([
    name,
    roundsTo(r, target) ?? `never (${rounds})`,
    roundsTo(r, 0.8) ?? 'never',
    pct(r.summary.finalAccuracy),
    r.rounds[r.rounds.length - 1]!.consensusDistance.toFixed(3),
  ]);
  console.error(`${name}: ${r.wallSeconds.toFixed(0)} s`);
}
console.log(`\nIndependent initialisations (topologies/scenarios/variance.json), ${rounds} rounds\n`);
printTable(['configuration', `rounds to ${pct(target)}`, 'rounds to 80%', 'final acc', 'final consensus dist.'], rows);
