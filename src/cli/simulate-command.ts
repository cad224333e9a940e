import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { describeSelection, selectBackend, type BackendChoice } from '../learn/backend.ts';
import { mib } from '../report/units.ts';
import { writeRunOutputs } from '../sim/output.ts';
import { runSimulation } from '../sim/run.ts';
import { loadScenario } from '../sim/scenario.ts';
import { parseIntOption } from './options.ts';
import { progressBar } from './progress.ts';
import { backendOption } from './train-command.ts';

function parseJsonlMode(v: string): 'full' | 'compact' {
  if (v !== 'full' && v !== 'compact') throw new InvalidArgumentError('--jsonl must be full or compact');
  return v;
}

/** The options as commander parses them (each through its parser above). */
interface SimulateCli {
  readonly out?: string;
  readonly nodes?: number;
  readonly rounds?: number;
  readonly seed?: number;
  readonly workers?: number;
  readonly jsonl?: 'full' | 'compact';
  readonly verbose?: boolean;
  readonly backend: BackendChoice;
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .description(
      'simulate a scenario locally: many nodes, a virtual network, churn and attacks; writes JSONL and an HTML report',
    )
    .argument('<scenario>', 'scenario JSON file (see topologies/scenarios/)')
    .option('-o, --out <dir>', 'output directory (default: runs/<scenario name>)')
    .option('--nodes <n>', 'override the node count', parseIntOption('--nodes', 1))
    .option('--rounds <n>', 'override the number of rounds', parseIntOption('--rounds', 1))
    .option('--seed <n>', 'override task.seed', parseIntOption('--seed'))
    .option('--workers <n>', 'training worker threads (0: main thread)', parseIntOption('--workers'))
    .option(
      '--jsonl <mode>',
      'full: every node-round line; compact: evaluated nodes only, plus round summaries',
      parseJsonlMode,
    )
    .option('-v, --verbose', 'log churn events and rejected updates')
    .addOption(backendOption)
    .action(async (file: string, o: SimulateCli) => {
      const sc = loadScenario(file);
      const scenario = {
        ...sc,
        ...(o.nodes !== undefined ? { nodes: o.nodes } : {}),
        ...(o.rounds !== undefined ? { rounds: o.rounds } : {}),
        ...(o.seed !== undefined ? { task: { ...sc.task, seed: o.seed } } : {}),
        ...(o.workers !== undefined ? { workers: o.workers } : {}),
        ...(o.jsonl !== undefined ? { jsonl: o.jsonl } : {}),
      };
      console.log(describeSelection(await selectBackend(o.backend)));
      console.log(
        `simulating "${scenario.name}": ${scenario.nodes} nodes, ${scenario.rounds} rounds, ` +
          `codec ${scenario.task.node.codec.name}, rule ${scenario.task.node.aggregator.rule}`,
      );
      const result = await runSimulation(scenario, {
        backend: o.backend,
        onProgress: progressBar('rounds'),
        log: o.verbose ? (m) => console.log(m) : undefined,
      });
      const dir = o.out ?? join('runs', scenario.name);
      const report = await writeRunOutputs(result, dir);
      const s = result.summary;
      console.log(
        `final accuracy ${s.finalAccuracy === null ? 'n/a' : (100 * s.finalAccuracy).toFixed(2) + '%'} ` +
          `over ${s.honestFinished} honest nodes; ` +
          `${mib(s.bytesPerNode)} sent per node (fp32 gossip: ${mib(result.fp32BytesPerNode)}); ` +
          `${result.wallSeconds.toFixed(1)} s wall, ${result.peakRssMB.toFixed(0)} MiB peak`,
      );
      console.log(`JSONL: ${join(dir, 'rounds.jsonl')}`);
      console.log(`report: ${report}`);
    });
}
