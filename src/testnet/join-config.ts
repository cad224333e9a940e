/** `gossiplearn testnet join`: the daemon config a manifest implies for one member (its task embedded as written). */
import { createHash } from 'node:crypto';
import type { DaemonConfigInput } from '../daemon/config.ts';
import { defaultListen } from '../p2p/addresses.ts';
import { withWebSocketListeners } from '../p2p/ws-listen.ts';
import type { Manifest } from './manifest.ts';
import { shardFromDigest } from './manifest-schema.ts';

export interface JoinOptions {
  readonly dataDir: string;
  /** This member's shard of the task's partition; default: derived from its peer id. */
  readonly shard?: number;
  readonly peerId: string;
  readonly listen?: readonly string[];
  /** Reachable only through the relay, direct dials only to bootstrap nodes (a node behind a strict NAT). */
  readonly relayOnly: boolean;
  readonly http: { host: string; port: number };
  readonly rounds: number;
  readonly logLevel: string;
  readonly maxNeighbours?: number;
  readonly evalEvery?: number;
  readonly testSamples?: number;
}

/** A stable shard for a peer id: the same node always trains on the same data. */
export function shardOf(peerId: string, shards: number): number {
  return shardFromDigest(createHash('sha256').update(peerId).digest(), shards);
}

/** Raw daemon config (validated by parseDaemonConfig like any config file); the task is the manifest's, unchanged. */
export function joinConfig(m: Manifest, o: JoinOptions): DaemonConfigInput {
  return {
    network: m.network,
    // A manifest naming bootstrap nodes on other hosts means the members are on other hosts too;
    // by default a /ws listener as well, so browser nodes can connect directly.
    listen: o.relayOnly
      ? ['/p2p-circuit']
      : o.listen?.length
        ? [...o.listen]
        : withWebSocketListeners(defaultListen(m.bootstrap)),
    bootstrap: m.bootstrap,
    neighbours: 'auto',
    maxNeighbours: o.maxNeighbours ?? 8,
    dataDir: o.dataDir,
    http: o.http,
    // Checked with the rest of the config by parseDaemonConfig.
    log: { level: o.logLevel as NonNullable<DaemonConfigInput['log']>['level'] },
    admission: { allowPeers: m.admission.allowPeers, pskFile: m.pskPath ?? undefined },
    testnet: {
      taskHash: m.taskHash,
      protocolVersion: m.protocolVersion,
      heartbeatMs: m.heartbeatMs,
      natTraversal: true,
      relayOnly: o.relayOnly,
    },
    task: m.rawTask,
    learning: {
      partitionIndex: o.shard ?? shardOf(o.peerId, m.shards),
      partitionCount: m.shards,
      rounds: o.rounds,
      eval: { every: o.evalEvery ?? 1, testSamples: o.testSamples ?? 500 },
    },
  };
}
