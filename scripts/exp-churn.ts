// Experiment (d): churn. 20% of the nodes crash mid-run (random nodes, or the hubs: the disaster
// case), plus a run with random crash/rejoin churn, against the same scenario without churn.
// Usage: node scripts/exp-churn.ts
import { pct, printTable, run, scenarioFrom } from './lib/experiment.ts';
import { scriptArgs } from './lib/args.ts';

scriptArgs({
  script: import.meta.url,
  summary: 'Experiment (d): random and hub crashes, random churn with rejoin and late joiners against no churn.',
  options: {},
});

const none = { churn: { events: [] } };
const variants: Array<[string, Record<string, unknown>]> = [
  ['no churn', none],
  ['20% random nodes crash at round 15', {}],
  [
    '20% hubs crash at round 15 (disaster)',
    { churn: { events: [{ round: 15, action: 'crash', fraction: 0.2, target: 'hubs' }] } },
  ],
  ['random churn: 2%/node/round, back after 5 rounds', { churn: { events: [], randomRate: 0.02, downRounds: 5 } }],
  ['5 late joiners at round 20', { churn: { events: [{ round: 20, action: 'join', nodes: [3, 7, 11, 15, 19] }] } }],
];
const rows: Array<Array<string | number>> = [];
let clean: number | null = null;
for (const [name, ov] of variants) {
  const r = await run(scenarioFrom('churn.json', ov));
  const acc = r.summary.finalAccuracy;
  if (name === 'no churn') clean = acc;
  const deadlineClosed = r.lines.filter((l) => l.closedBy === 'deadline').length / r.lines.length;
  rows.push([
    name,
    pct(acc),
    clean !== null && acc !== null ? `${(100 * (acc - clean)).toFixed(2)} pp` : 'n/a',
    r.summary.honestFinished,
    r.summary.crashed.length,
    r.summary.syncRequests,
    pct(deadlineClosed),
    r.summary.endedBy,
  ]);
  console.error(`${name}: ${r.wallSeconds.toFixed(0)} s`);
}
console.log('\nChurn (topologies/scenarios/churn.json)\n');
printTable(
  [
    'scenario',
    'final acc',
    'vs no churn',
    'nodes finished',
    'crashed',
    'model syncs',
    'rounds closed by deadline',
    'ended',
  ],
  rows,
);
