/**
 * The learning task: model, dataset and partition rule, the node's learning keys (local steps,
 * optimizer, codec, aggregation and variance correction, gossip, staleness, deadline...), seed and
 * init. The scenario, the daemon config, the testnet manifest and the cluster embed it unchanged
 * under the key `task`. Validation only (no file system): a browser tab checks a task as a daemon does.
 */
import { z } from 'zod';
import { completeNodeConfig, nodeConfigSchema, type NodeConfig } from '../core/config.ts';
import { datasetSpecSchema } from '../learn/datasets/spec.ts';
import { modelSpecSchema } from '../learn/model-spec.ts';
import { partitionSpecSchema } from '../learn/partition.ts';
import { contentHash } from '../util/canonical-json.ts';
import { parseWith, refuseMovedKeys } from '../util/validate.ts';

export const taskSpecSchema = z
  .object({
    model: modelSpecSchema.default({ type: 'mlp' }),
    dataset: datasetSpecSchema.default({ type: 'mnist' }),
    /** How the training set is split into shards (one per node; the shard count is the deployment's). */
    partition: partitionSpecSchema.default({ type: 'iid' }),
    node: nodeConfigSchema.default({}),
    /** Seeds the partition, the inits, the batch order (and in the simulator everything else). */
    seed: z.number().int().nonnegative().default(1),
    /** shared: every node starts from one seeded init (and CHOCO copies start there too); independent: each its own. */
    init: z.enum(['shared', 'independent']).default('shared'),
  })
  .strict();

/** A TaskSpec as written in a file (before defaults). */
export type TaskSpecInput = z.input<typeof taskSpecSchema>;
export type TaskSpec = Omit<z.output<typeof taskSpecSchema>, 'node'> & { readonly node: NodeConfig };

/** The key under which every file embeds the task. */
export const TASK_KEY = 'task';

/** The task's keys, for refusing a file that still has them where the task used to be spread out. */
export const TASK_KEYS = ['model', 'dataset', 'partition', 'node', 'seed', 'init'] as const;

/** `{ model: "task.model", ... }` for refuseMovedKeys. */
export function movedToTask(keys: readonly string[] = TASK_KEYS): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, `${TASK_KEY}.${k}`]));
}

/** The checks zod cannot do (codec, aggregator, keys that exclude each other), on a schema-parsed task. */
export function completeTaskSpec(raw: z.output<typeof taskSpecSchema>, source: string, at = `${TASK_KEY}.`): TaskSpec {
  return { ...raw, node: completeNodeConfig(raw.node, source, `${at}node.`) };
}

/**
 * Refuse a task in the old manifest layout (hyperparameters, codec and aggregation beside the node
 * keys; partition {rule, shards}) with one line saying where the key moved. Call before parsing the
 * file that embeds the task, so the move is reported rather than an unknown key.
 */
export function refuseOldTaskLayout(task: unknown, source: string, at = `${TASK_KEY}.`): void {
  const moves = { hyperparameters: `${at}node`, codec: `${at}node.codec`, aggregation: `${at}node.aggregator` };
  refuseMovedKeys(task, moves, source, at);
  const partition = (task as { partition?: unknown } | null)?.partition;
  refuseMovedKeys(partition, { rule: `${at}partition`, shards: 'shards' }, source, `${at}partition.`);
}

/** Parse a task on its own; `at` is its key path in the file, so errors read "source: task.node.localSteps: ...". */
export function parseTaskSpec(input: unknown, source: string, at = `${TASK_KEY}.`): TaskSpec {
  refuseOldTaskLayout(input, source, at);
  return completeTaskSpec(parseWith(taskSpecSchema, input ?? {}, source, at), source, at);
}

/**
 * A testnet's task hash: first 16 hex digits of SHA-256 over the canonical JSON of the parsed task
 * (defaults filled in, so writing a default out does not change it) and the shard count, which every
 * member must split the dataset by.
 */
export function taskHash(task: TaskSpec, shards: number): string {
  return contentHash({ task, shards });
}
