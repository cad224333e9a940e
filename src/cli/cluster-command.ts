import { resolve } from 'node:path';
import { Command } from 'commander';
import type { ChurnPlan, ClusterRunOptions } from '../cluster/cluster-run.ts';
import { loadTopology } from '../topology/index.ts';
import { ConfigError } from '../util/validate.ts';
import { parseIntOption, readJsonFile } from './options.ts';

/** A small default task: embedded MNIST, logistic regression, iid shards. */
const DEFAULT_TASK = {
  dataset: { type: 'mnist' },
  model: { type: 'logreg' },
  partition: { type: 'iid' },
  node: { localSteps: 10, batchSize: 32 },
};

type Opts = Record<string, number | string | undefined>;

/** The churn options, checked against each other and the run length. */
function churnPlan(o: Opts, rounds: number, seed: number): ChurnPlan | undefined {
  const kill = o.kill as number;
  if (kill === 0) return undefined;
  const killAt = o.killAtRound as number;
  const restartAt = o.restartAtRound as number | undefined;
  if (restartAt !== undefined && o.restartAfter !== undefined) {
    throw new ConfigError('cluster: give --restart-after or --restart-at-round, not both');
  }
  if (killAt >= rounds) throw new ConfigError(`cluster: --kill-at-round ${killAt} must be below --rounds ${rounds}`);
  if (restartAt !== undefined && (restartAt <= killAt || restartAt >= rounds)) {
    const why = `must be above --kill-at-round ${killAt} and below --rounds ${rounds}`;
    throw new ConfigError(`cluster: --restart-at-round ${restartAt} ${why}`);
  }
  const restartAfterMs = o.restartAfter === undefined ? null : 1000 * (o.restartAfter as number);
  return { kill, killAtRound: killAt, restartAfterMs, restartAtRound: restartAt, seed };
}

export function clusterCommand(): Command {
  return new Command('cluster')
    .description('run N real node daemons on loopback wired by a topology, inject churn, and report (JSONL + HTML)')
    .argument('<topology>', 'topology JSON file (see topologies/)')
    .requiredOption('--nodes <n>', 'number of daemons', parseIntOption('--nodes', 2))
    .requiredOption('--rounds <n>', 'rounds each daemon runs', parseIntOption('--rounds', 1))
    .option('--task <file>', 'JSON of the learning task (model, dataset, partition, node, seed, init)')
    .option('--kill <k>', 'kill -9 this many daemons mid-run', parseIntOption('--kill', 0), 0)
    .option(
      '--kill-at-round <r>',
      'kill each chosen daemon as it enters this round',
      parseIntOption('--kill-at-round', 0),
      5,
    )
    .option(
      '--restart-after <s>',
      'restart the killed daemons this many seconds after the kill (default: leave them down)',
      parseIntOption('--restart-after', 0),
    )
    .option(
      '--restart-at-round <r>',
      'or restart them once the most advanced survivor enters this round',
      parseIntOption('--restart-at-round', 1),
    )
    .option('--seed <n>', 'seed for the topology and the choice of daemons to kill', parseIntOption('--seed', 0), 1)
    .option('--timeout <s>', 'give up after this many seconds', parseIntOption('--timeout', 1), 900)
    .option('-o, --out <dir>', 'output directory (must not hold a cluster already)', 'runs/cluster')
    .addHelpText(
      'after',
      [
        '',
        'Example: kill one daemon in round 20, restart it when the others enter round 40; a process start takes',
        '10-100 s on a loaded machine, so leave the others enough rounds to train with it afterwards:',
        '  gossiplearn cluster topologies/ring.json --nodes 4 --rounds 300 \\',
        '    --kill 1 --kill-at-round 20 --restart-at-round 40 --out runs/cluster-ring',
      ].join('\n'),
    )
    .action(async (file: string, o: Opts) => {
      const seed = o.seed as number;
      const rounds = o.rounds as number;
      const task = o.task ? (readJsonFile(o.task as string) as Record<string, unknown>) : { ...DEFAULT_TASK, seed };
      const opts: ClusterRunOptions = {
        outDir: resolve(o.out as string),
        topology: loadTopology(file, { n: o.nodes as number, seed }),
        task,
        learning: { eval: { testSamples: 500 } },
        rounds,
        churn: churnPlan(o, rounds, seed),
        timeoutMs: 1000 * (o.timeout as number),
        log: (m) => console.log(m),
      };
      const { runCluster, writeClusterOutputs } = await import('../cluster/cluster-run.ts');
      const result = await runCluster(opts);
      const report = await writeClusterOutputs(result, opts);
      const last = result.rounds[result.rounds.length - 1];
      console.log(
        `done in ${result.wallSeconds.toFixed(1)} s: ${result.rounds.length} rounds, final mean accuracy ` +
          (last?.meanAccuracy === null || last === undefined ? 'n/a' : (100 * last.meanAccuracy).toFixed(2) + '%'),
      );
      for (const r of result.restarts.filter((x) => x.survivorsFinished > 0)) {
        console.log(
          `warning: node ${r.node} was back up only after the others had finished: it trained no round with them ` +
            '(restart earlier or run more --rounds)',
        );
      }
      console.log(`JSONL: ${resolve(opts.outDir, 'rounds.jsonl')}`);
      console.log(`report: ${report}`);
    });
}
