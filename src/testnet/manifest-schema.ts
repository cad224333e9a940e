/**
 * A testnet manifest's schema and its task: the learning every member shares, identified by its
 * content hash. Validation only (no file system), so a browser tab checks a manifest as a daemon does.
 */
import { z } from 'zod';
import { parseNodeConfig } from '../core/config.ts';
import { admissionSchema, multiaddrText, networkName } from '../daemon/config-schemas.ts';
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

export const manifestSchema = z
  .object({
    network: networkName,
    protocolVersion: z.literal(PROTOCOL_VERSION, { errorMap: () => ({ message: `this node speaks testnet protocol ${PROTOCOL_VERSION}` }) }),
    task: z.record(z.unknown()),
    /** Expected task hash: checked against the task section, so an edited task cannot pass unnoticed. */
    taskHash: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits').optional(),
    bootstrap: z.array(multiaddrText.refine((s) => s.includes('/p2p/'), 'expected a multiaddr ending in /p2p/<peer id>')).default([]),
    admission: admissionSchema,
    /** How often members gossip their status heartbeat. */
    heartbeatMs: z.number().int().min(200).max(60_000).default(2000),
  })
  .strict();


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
    // The first segment of the key path is renamed (codec.fraction becomes task.codec.fraction).
    const m = /^@: ([^:.]+)([^:]*): (.*)$/s.exec(e.message);
    if (!m) throw new ConfigError(`${source}: task.hyperparameters: ${e.message.replace(/^@: /, '')}`);
    const top = m[1] === 'codec' ? 'task.codec' : m[1] === 'aggregator' ? 'task.aggregation' : `task.hyperparameters.${m[1]}`;
    throw new ConfigError(`${source}: ${top}${m[2]}: ${m[3]}`);
  }
  return task;
}

/** A stable shard for a peer id from SHA-256(peer id): its first 4 bytes, big-endian, modulo `shards`. */
export function shardFromDigest(sha256OfPeerId: Uint8Array, shards: number): number {
  return new DataView(sha256OfPeerId.buffer, sha256OfPeerId.byteOffset, 4).getUint32(0) % shards;
}
