/**
 * A testnet manifest's schema and its task: the learning every member shares, identified by its
 * content hash. Validation only (no file system), so a browser tab checks a manifest as a daemon does.
 */
import { z } from 'zod';
import { admissionSchema, multiaddrText, networkName } from '../daemon/config-schemas.ts';
import { completeTaskSpec, refuseOldTaskLayout, taskHash, taskSpecSchema, type TaskSpec } from '../task/spec.ts';
import { ConfigError, parseWith } from '../util/validate.ts';

/** The testnet wire protocol (heartbeats, topic layout) this code speaks. */
export const PROTOCOL_VERSION = 1;

export const manifestSchema = z
  .object({
    network: networkName,
    protocolVersion: z.literal(PROTOCOL_VERSION, {
      errorMap: () => ({ message: `this node speaks testnet protocol ${PROTOCOL_VERSION}` }),
    }),
    /** The learning task (src/task/spec.ts), as a scenario or a daemon config holds it. */
    task: taskSpecSchema,
    /** Shards of the task's partition; each member trains on one (derived from its peer id by default). */
    shards: z.number().int().positive(),
    /** Expected task hash: checked against task and shards, so an edited task cannot pass unnoticed. */
    taskHash: z
      .string()
      .regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits')
      .optional(),
    bootstrap: z
      .array(multiaddrText.refine((s) => s.includes('/p2p/'), 'expected a multiaddr ending in /p2p/<peer id>'))
      .default([]),
    admission: admissionSchema,
    /** How often members gossip their status heartbeat. */
    heartbeatMs: z.number().int().min(200).max(60_000).default(2000),
  })
  .strict();

export type RawManifest = z.output<typeof manifestSchema>;

export interface ManifestTask {
  readonly manifest: RawManifest;
  readonly task: TaskSpec;
  /** taskHash(task, shards), recomputed (the manifest's own taskHash, when given, must equal it). */
  readonly taskHash: string;
}

/**
 * Parse a manifest's content, without the file system (a browser tab checks a manifest as a daemon
 * does): the task is validated exactly as a node will use it and its hash recomputed.
 */
export function parseManifestContent(input: unknown, source: string): ManifestTask {
  refuseOldTaskLayout((input as { task?: unknown } | null)?.task, source);
  const manifest = parseWith(manifestSchema, input, source);
  const task = completeTaskSpec(manifest.task, source);
  const hash = taskHash(task, manifest.shards);
  if (manifest.taskHash !== undefined && manifest.taskHash !== hash)
    throw new ConfigError(
      `${source}: taskHash: task and shards hash to ${hash}, the manifest states ${manifest.taskHash} ` +
        '(task edited? update or remove taskHash)',
    );
  return { manifest, task, taskHash: hash };
}

/** A stable shard for a peer id from SHA-256(peer id): its first 4 bytes, big-endian, modulo `shards`. */
export function shardFromDigest(sha256OfPeerId: Uint8Array, shards: number): number {
  return new DataView(sha256OfPeerId.buffer, sha256OfPeerId.byteOffset, 4).getUint32(0) % shards;
}
