/**
 * What a tab needs to join: the manifest (as the bootstrap serves it, validated here with the
 * daemon's own schemas and its task hash recomputed) and the bootstrap addresses a
 * browser can dial (/ws).
 */
import { z } from 'zod';
import { multiaddrText } from '../daemon/config-schemas.ts';
import type { TaskSpec } from '../task/spec.ts';
import { parseManifestContent, shardFromDigest } from '../testnet/manifest-schema.ts';
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';
import { parseWith } from '../util/validate.ts';

/** GET /join/manifest.json on a bootstrap node. */
export const joinDocumentSchema = z
  .object({
    manifest: z.unknown(),
    /** The task hash the bootstrap computed. */
    taskHash: z.string().regex(/^[0-9a-f]{16}$/),
    /** The bootstrap's own /ws addresses, ending in /p2p/<id>. */
    webSocketAddrs: z.array(multiaddrText).min(1).max(32),
  })
  .strict();

export interface JoinInfo {
  readonly network: string;
  readonly protocolVersion: number;
  readonly heartbeatMs: number;
  readonly task: TaskSpec;
  /** Shards of the task's partition. */
  readonly shards: number;
  readonly taskHash: string;
  readonly bootstrap: readonly string[];
  /** The manifest restricts membership to an allow-list (the tab's peer id must be on it). */
  readonly allowList: boolean;
}

/**
 * Validate a join document. `expectedTaskHash` (e.g. from the page URL) must match when given;
 * so must the manifest's own taskHash field and the bootstrap's.
 */
export function parseJoinDocument(input: unknown, source: string, expectedTaskHash: string | null): JoinInfo {
  const doc = parseWith(joinDocumentSchema, input, source);
  // The manifest's own taskHash is checked here, as a daemon checks it.
  const { manifest: m, task, taskHash: hash } = parseManifestContent(doc.manifest, `${source}: manifest`);
  const claims: Array<[string, string | undefined | null]> = [
    ['the bootstrap computed', doc.taskHash],
    ['the page address asks for', expectedTaskHash],
  ];
  for (const [who, claimed] of claims)
    if (claimed && claimed !== hash)
      throw new Error(`${source}: taskHash: task and shards hash to ${hash}, ${who} ${claimed}`);
  if (m.admission.pskFile)
    throw new Error(`${source}: admission.pskFile: this testnet is a private network (PSK); browsers cannot join it`);
  return {
    network: m.network,
    protocolVersion: m.protocolVersion,
    heartbeatMs: m.heartbeatMs,
    task,
    shards: m.shards,
    taskHash: hash,
    bootstrap: doc.webSocketAddrs,
    allowList: m.admission.allowPeers !== undefined,
  };
}

/** This peer's shard: SHA-256(peer id) as the daemon's `shardOf` computes it. */
export function shardOfPeer(peerId: string, shards: number): number {
  return shardFromDigest(sha256(utf8ToBytes(peerId)), shards);
}
