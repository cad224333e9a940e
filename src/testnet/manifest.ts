/**
 * A testnet manifest (`testnets/*.json`): the network name, protocol version, the learning task
 * every member must share (identified by its content hash), bootstrap multiaddrs and admission.
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { parseNodeConfig } from '../core/config.ts';
import { datasetSpecSchema } from '../learn/datasets/index.ts';
import { modelSpecSchema } from '../learn/model-spec.ts';
import { partitionSpecSchema } from '../learn/partition.ts';
import { admissionSchema, multiaddrText, networkName } from '../daemon/config.ts';
import { contentHash } from '../util/canonical-json.ts';
import { readJsonFile } from '../util/json-file.ts';
import { ConfigError, parseWith } from '../util/validate.ts';

/** The testnet wire protocol (heartbeats, topic layout) this code speaks. */
export const PROTOCOL_VERSION = 1;

const taskSchema = z
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

const manifestSchema = z
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

export type Task = z.output<typeof taskSchema>;
export interface Manifest extends Omit<z.output<typeof manifestSchema>, 'task' | 'taskHash'> {
  readonly task: Task;
  /** As written in the file (hashed). */
  readonly rawTask: Record<string, unknown>;
  readonly taskHash: string;
  /** Absolute path of the PSK file, when admission uses one. */
  readonly pskPath: string | null;
  readonly source: string;
}

/** First 16 hex digits of SHA-256 over the task's canonical JSON. */
export function taskHashOf(task: unknown): string {
  return contentHash(task);
}

export function parseManifest(input: unknown, source: string, baseDir = process.cwd()): Manifest {
  const raw = parseWith(manifestSchema, input, source);
  const task = parseWith(taskSchema, raw.task, `${source}: task`);
  // Codec, aggregation rule and hyper-parameters are validated exactly as a node will use them.
  try {
    parseNodeConfig({ ...task.hyperparameters, codec: task.codec, aggregator: task.aggregation }, '@');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // Name the manifest's key: the node config calls them codec / aggregator / <hyper-parameter>.
    const m = /^@: ([^:]+): (.*)$/s.exec(e.message);
    const key = m ? (m[1] === 'codec' ? 'task.codec' : m[1] === 'aggregator' ? 'task.aggregation' : `task.hyperparameters.${m[1]}`) : 'task.hyperparameters';
    throw new ConfigError(`${source}: ${key}: ${m ? m[2] : e.message.replace(/^@: /, '')}`);
  }
  const taskHash = taskHashOf(raw.task);
  if (raw.taskHash !== undefined && raw.taskHash !== taskHash)
    throw new ConfigError(`${source}: taskHash: the task section hashes to ${taskHash}, the manifest states ${raw.taskHash} (task edited? update or remove taskHash)`);
  const pskPath = raw.admission.pskFile ? resolve(baseDir, raw.admission.pskFile) : null;
  return { ...raw, task, rawTask: raw.task, taskHash, pskPath, source };
}

export function loadManifest(path: string): Manifest {
  return parseManifest(readJsonFile(path), path, dirname(resolve(path)));
}
