/**
 * A testnet task: the learning every member of a testnet shares, identified by its content hash.
 * Validation only (no file system), so a browser tab checks a manifest exactly as a daemon does.
 */
import { z } from 'zod';
import { parseNodeConfig } from '../core/config.ts';
import { datasetSpecSchema } from '../learn/datasets/spec.ts';
import { modelSpecSchema } from '../learn/model-spec.ts';
import { partitionSpecSchema } from '../learn/partition.ts';
import { ConfigError, parseWith } from '../util/validate.ts';

/** The testnet wire protocol (heartbeats, topic layout) this code speaks. */
export const PROTOCOL_VERSION = 1;

export const taskSchema = z
  .object({
    model: modelSpecSchema,
    dataset: datasetSpecSchema,
    partition: z.object({ rule: partitionSpecSchema, shards: z.number().int().positive() }).strict(),
    codec: z.unknown().default({ name: 'none' }),
    aggregation: z.unknown().default({ rule: 'mean' }),
    /** The rest of the learning node's config: localSteps, batchSize, optimizer, gossip, weights, quorum, deadline... */
    hyperparameters: z.record(z.unknown()).default({}),
    seed: z.number().int().nonnegative().default(1),
    init: z.enum(['shared', 'independent']).default('shared'),
  })
  .strict();

export type Task = z.output<typeof taskSchema>;

/**
 * Parse a manifest's task section; codec, aggregation rule and hyper-parameters are validated
 * exactly as a node will use them, and errors name the manifest's key.
 */
export function parseTask(rawTask: unknown, source: string): Task {
  const task = parseWith(taskSchema, rawTask, `${source}: task`);
  try {
    parseNodeConfig({ ...task.hyperparameters, codec: task.codec, aggregator: task.aggregation }, '@');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // Name the manifest's key: the node config calls them codec / aggregator / <hyper-parameter>.
    const m = /^@: ([^:]+): (.*)$/s.exec(e.message);
    const key = m ? (m[1] === 'codec' ? 'task.codec' : m[1] === 'aggregator' ? 'task.aggregation' : `task.hyperparameters.${m[1]}`) : 'task.hyperparameters';
    throw new ConfigError(`${source}: ${key}: ${m ? m[2] : e.message.replace(/^@: /, '')}`);
  }
  return task;
}
