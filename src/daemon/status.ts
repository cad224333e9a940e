/** What a daemon's `GET /status` answers: one type for the daemon that builds it and every reader. */
import type { NodePhase } from '../core/node.ts';
import type { PrivacyRecord } from '../core/round-record.ts';
import type { PeerPath } from '../p2p/libp2p-peer.ts';
import type { TransportStats } from '../p2p/transport.ts';
import type { ProcessMemory } from './process-memory.ts';

export interface NeighbourStatus {
  readonly id: string;
  readonly connected: boolean;
  readonly path: PeerPath;
  /** It subscribes to this node's update topic. */
  readonly listening: boolean;
  /** gossipsub's score of the peer. */
  readonly score: number;
  /** Not counted toward the quorum (no word from it for `silentAfterDeadlines` deadline rounds). */
  readonly silent: boolean;
  readonly lastHeardMsAgo: number | null;
  readonly missedDeadlines: number;
  readonly updates: { readonly received: number; readonly accepted: number; readonly rejected: number };
}

export interface PeerRefusal {
  readonly peer: string;
  readonly reason: string;
}

export interface DaemonStatus {
  readonly peerId: string;
  readonly network: string;
  readonly addresses: readonly string[];
  /** Base URL of this HTTP server. */
  readonly http: string;
  readonly model: { readonly specHash: string; readonly params: number; readonly maxFrameBytes: number };
  readonly round: number;
  readonly phase: NodePhase;
  readonly finished: boolean;
  /** Rounds to run (0: until stopped). */
  readonly roundsTarget: number;
  readonly accuracy: number | null;
  readonly testLoss: number | null;
  readonly evaluatedRound: number | null;
  readonly trainLoss: number | null;
  readonly privacy: (PrivacyRecord & { readonly targetEpsilon: number | null }) | null;
  /** SHA-256 of the flat parameter vector, 16 hex digits. */
  readonly paramsHash: string;
  /** The same over the outer optimizer's θ_outer then momentum (null without `outer`). */
  readonly outerHash: string | null;
  readonly resumedFromCheckpoint: number | null;
  /**
   * What the checkpoint loaded at start held (null: started fresh); `outerHash`: the outer state the
   * node resumed with (null without `outer`).
   */
  readonly resumed: {
    readonly round: number;
    readonly paramsHash: string;
    readonly outerHash: string | null;
    readonly accuracy: number;
  } | null;
  /** The peer whose model a fresh start adopted, and its round. */
  readonly joined: { readonly from: string; readonly round: number } | null;
  readonly lastCheckpoint: {
    readonly round: number;
    readonly paramsHash: string;
    readonly outerHash: string | null;
  } | null;
  readonly testnet: { readonly taskHash: string; readonly protocolVersion: number; readonly relayOnly: boolean } | null;
  /** Peers the testnet admission refused. */
  readonly refused: readonly PeerRefusal[];
  /** Peers whose hello handshake failed. */
  readonly handshakeRefused: readonly PeerRefusal[];
  /** No neighbour connected once the startup wait was over. */
  readonly isolated: boolean;
  /** Largest delay of this process's timers in the last ~6 s (ms); the round deadline stays above twice it. */
  readonly timerLagMs: number;
  readonly neighbours: readonly NeighbourStatus[];
  readonly connectedPeers: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly transport: TransportStats;
  readonly training: { readonly steps: number; readonly ms: number };
  readonly cpuSeconds: number;
  readonly memory: ProcessMemory;
  /** `wire`: libp2p bytes by protocol; `updates`: frame bytes the node sent / received. */
  readonly bytes: {
    readonly wire: Readonly<Record<string, number>>;
    readonly updates: { readonly sent: number; readonly received: number };
  };
  readonly uptimeSeconds: number;
}
