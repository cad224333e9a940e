/**
 * What a layer above the daemon plugs into it (the testnet's membership: `gossiplearn testnet join`,
 * or a `node` config with a `testnet` section). The daemon calls these hooks at fixed points and
 * knows nothing of what stands behind them; without an extension it is a plain node.
 */
import type { Libp2pPeer } from '../p2p/libp2p-peer.ts';
import type { Neighbours } from '../p2p/neighbours.ts';
import type { Page } from './http.ts';
import type { DaemonStatus } from './status.ts';

/** The node's progress as others may be told of it (e.g. in a status heartbeat). */
export interface ProgressSummary {
  readonly round: number;
  readonly accuracy: number | null;
  readonly bytes: { sent: number; received: number };
  readonly accepted: number;
  readonly rejected: Record<string, number>;
}

/** The log calls an extension makes (the daemon's pino logger). */
export interface ExtensionLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** What the daemon hands the extension once its libp2p host exists. */
export interface ExtensionContext {
  readonly host: Libp2pPeer;
  readonly log: ExtensionLog;
  readonly progress: () => ProgressSummary;
}

/** The /status fields an extension fills (a plain daemon answers `testnet: null, refused: []`). */
export type ExtensionStatus = Pick<DaemonStatus, 'testnet' | 'refused'>;

export interface DaemonExtension {
  /** libp2p host options: circuit-relay client, autonat and dcutr; direct dials only to the bootstrap nodes. */
  readonly host: { readonly natTraversal: boolean; readonly directDialsOnlyToBootstrap: boolean };
  /** The task this node names in its hello handshake (null: none). */
  readonly helloTask: string | null;
  /** The network name the update topics are derived from (topic namespace), given the configured one. */
  topicNetwork(network: string): string;
  /** Called once, after the host is created and before the neighbours are. */
  attach(ctx: ExtensionContext): void;
  /** Neighbour admission: only peers this admits become neighbours. */
  admits(peer: string): boolean;
  /** Called once the transport and neighbours are running. */
  start(neighbours: Neighbours): void;
  stop(): void;
  status(): ExtensionStatus;
  /** More GET pages on the daemon's HTTP server (e.g. /network). */
  pages(): Readonly<Record<string, () => Promise<Page>>>;
}

export const NO_EXTENSION_STATUS: ExtensionStatus = { testnet: null, refused: [] };
