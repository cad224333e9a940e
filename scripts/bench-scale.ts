// Experiment (f): a 1000-node simulation on this machine: wall time, peak memory, throughput.
// Usage: node scripts/bench-scale.ts [--nodes 1000] [--rounds 20] [--model logreg|mlp] [--check-determinism]
import { toJsonl } from '../src/sim/output.ts';
import { pct, printTable, run, scenarioFrom } from './lib/experiment.ts';
import { scriptArgs } from './lib/args.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary: 'A large simulation on this machine: wall time, peak memory, node-rounds per second.',
  options: {
    nodes: { type: 'string', default: '1000', value: 'N', description: 'simulated nodes' },
    rounds: { type: 'string', default: '20', value: 'N', description: 'rounds' },
    model: { type: 'string', default: 'logreg', value: 'logreg|mlp', description: 'model' },
    'check-determinism': { type: 'boolean', default: false, description: 'rerun single-threaded and compare the JSONL' },
  },
});
const model = values.model === 'mlp' ? { type: 'mlp', hidden: [32] } : { type: 'logreg' };
const sc = scenarioFrom('scale-1000.json', { nodes: Number(values.nodes), rounds: Number(values.rounds), model });
const r = await run(sc);
const nodeRounds = r.lines.length;
printTable(
  ['nodes', 'rounds', 'model', 'threads', 'wall time', 'node-rounds/s', 'peak RSS', 'final acc', 'events', 'bytes/node'],
  [[sc.nodes, sc.rounds, JSON.stringify(sc.model), r.threads, `${r.wallSeconds.toFixed(1)} s`, (nodeRounds / r.wallSeconds).toFixed(0), `${r.peakRssMB.toFixed(0)} MiB`, pct(r.summary.finalAccuracy), r.summary.messages, `${(r.summary.bytesPerNode / 1024).toFixed(0)} KiB`]],
);
console.log(`goal: ≤ 600 s and ≤ 8192 MiB → ${r.wallSeconds <= 600 && r.peakRssMB <= 8192 ? 'met' : 'NOT met'}`);
if (values['check-determinism']) {
  const inline = await run({ ...sc, workers: 0 });
  console.log(`JSONL identical with ${r.threads} worker threads and with none: ${toJsonl(inline) === toJsonl(r) ? 'yes' : 'NO'} (single-thread wall ${inline.wallSeconds.toFixed(1)} s)`);
}
