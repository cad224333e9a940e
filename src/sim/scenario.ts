import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { getAttack, parseAttackParams } from '../aggregate/attacks/index.ts';
import { flatTrainerSupports } from '../learn/flat-trainer.ts';
import { completeTaskSpec, movedToTask, refuseOldTaskLayout, taskSpecSchema, type TaskSpec } from '../task/spec.ts';
import { readJsonFile } from '../util/json-file.ts';
import { ConfigError, parseWith, refuseMovedKeys } from '../util/validate.ts';
import { networkSpecSchema } from './network.ts';

const nodeList = z.array(z.number().int().nonnegative());

const churnEventSchema = z
  .object({
    /** Fires when the most advanced live node reaches this round. */
    round: z.number().int().nonnegative(),
    action: z.enum(['crash', 'leave', 'join', 'rejoin']),
    /** Explicit node indices, or a count chosen by `target`. */
    nodes: nodeList.optional(),
    count: z.number().int().positive().optional(),
    fraction: z.number().gt(0).max(1).optional(),
    /** How `count`/`fraction` nodes are chosen: random, or the highest-degree hubs (the disaster case). */
    target: z.enum(['random', 'hubs']).default('random'),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1).default('scenario'),
    description: z.string().default(''),
    /** The learning task (src/task/spec.ts); its seed seeds the whole simulation. */
    task: taskSpecSchema.default({}),
    /** Nodes, one shard of the task's partition each. */
    nodes: z.number().int().min(1).max(100_000),
    rounds: z.number().int().positive(),
    topology: z.unknown().default({ generator: { type: 'ring' } }),
    /**
     * independent init, CHOCO: how neighbours get a node's first public copy. seed: built from its
     * init seed (nothing sent); keyframe: the node sends its whole model first.
     */
    firstCopies: z.enum(['seed', 'keyframe']).default('seed'),
    network: networkSpecSchema.default({}),
    compute: z
      .object({
        /** Virtual time one local step takes on a normal node. */
        msPerStep: z.number().nonnegative().default(5),
        jitter: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .default({}),
    stragglers: z
      .object({
        fraction: z.number().min(0).max(1).default(0),
        slowdown: z.number().min(1).default(4),
        nodes: nodeList.optional(),
      })
      .strict()
      .default({}),
    churn: z
      .object({
        events: z.array(churnEventSchema).default([]),
        /** Per node and round, the probability of crashing; a crashed node rejoins after `downRounds`. */
        randomRate: z.number().min(0).max(1).default(0),
        downRounds: z.number().int().positive().default(5),
      })
      .strict()
      .default({}),
    /**
     * Heterogeneous availability: the chosen nodes (a `fraction`, or `nodes`) take part in a round
     * with probability `rate` (seeded per node and round); otherwise they neither train nor send.
     */
    availability: z
      .object({
        fraction: z.number().min(0).max(1).default(0),
        rate: z.number().min(0).max(1).default(1),
        nodes: nodeList.optional(),
      })
      .strict()
      .default({}),
    byzantine: z
      .object({
        count: z.number().int().nonnegative().default(0),
        nodes: nodeList.optional(),
        attack: z.string().default('sign-flip'),
        params: z.record(z.number()).default({}),
      })
      .strict()
      .default({}),
    eval: z
      .object({
        /** Nodes evaluated per round (a rotating sample); all honest nodes are evaluated at the end. */
        sampleNodes: z.number().int().positive().default(8),
        testSamples: z.number().int().positive().default(1000),
      })
      .strict()
      .default({}),
    /** Worker threads for training: 0 = in the main thread. */
    workers: z.union([z.literal('auto'), z.number().int().nonnegative()]).default(0),
    /**
     * tfjs, or 'flat': logreg/MLP trained in plain float32 loops, far faster for small models and
     * batches; it matches tfjs to rounding, not bit for bit, so runs differ slightly from tfjs ones.
     */
    trainer: z.enum(['tfjs', 'flat']).default('tfjs'),
    /**
     * full: every node-round line; compact: the evaluated (sampled) nodes' lines, the round summaries and the
     * summary.
     */
    jsonl: z.enum(['full', 'compact']).default('full'),
  })
  .strict();

export type Scenario = Omit<z.output<typeof scenarioSchema>, 'task'> & { task: TaskSpec; baseDir: string };

export function parseScenario(input: unknown, source = 'scenario', baseDir = process.cwd()): Scenario {
  refuseMovedKeys(input, movedToTask(), source);
  refuseOldTaskLayout((input as { task?: unknown } | null)?.task, source);
  const s = parseWith(scenarioSchema, input, source);
  const task = completeTaskSpec(s.task, source);
  const { node, model } = task;
  try {
    getAttack(s.byzantine.attack);
  } catch (e) {
    throw new ConfigError(`${source}: byzantine.attack: ${(e as Error).message}`);
  }
  try {
    parseAttackParams(s.byzantine.attack, s.byzantine.params);
  } catch (e) {
    throw new ConfigError(`${source}: ${(e as Error).message}`);
  }
  const byzNodes = s.byzantine.nodes ?? [];
  const lists = [
    ['byzantine.nodes', byzNodes],
    ['stragglers.nodes', s.stragglers.nodes ?? []],
    ['availability.nodes', s.availability.nodes ?? []],
  ] as const;
  for (const [key, list] of lists)
    for (const i of list)
      if (i >= s.nodes) throw new ConfigError(`${source}: ${key}: node ${i} does not exist (nodes: ${s.nodes})`);
  s.churn.events.forEach((e, k) => {
    for (const i of e.nodes ?? [])
      if (i >= s.nodes)
        throw new ConfigError(`${source}: churn.events.${k}.nodes: node ${i} does not exist (nodes: ${s.nodes})`);
    if (e.nodes === undefined && e.count === undefined && e.fraction === undefined)
      throw new ConfigError(`${source}: churn.events.${k}: give nodes, count or fraction`);
  });
  if (node.modest && s.availability.rate < 1)
    throw new ConfigError(`${source}: availability: not supported with task.node.modest (use churn)`);
  if (s.trainer === 'flat' && !flatTrainerSupports(model))
    throw new ConfigError(`${source}: trainer: "flat" trains logreg and mlp models, not ${model.type}`);
  if (s.trainer === 'flat' && node.privacy)
    throw new ConfigError(`${source}: trainer: "flat" has no DP-SGD; use "tfjs" with task.node.privacy`);
  if (s.byzantine.nodes === undefined && s.byzantine.count >= s.nodes)
    throw new ConfigError(`${source}: byzantine.count: must be below nodes (${s.nodes})`);
  return { ...s, task, baseDir };
}

export function loadScenario(path: string): Scenario {
  return parseScenario(readJsonFile(path), path, dirname(resolve(path)));
}
