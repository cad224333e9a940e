import type { FrameHeader, FrameRescale } from '../../compress/index.ts';
import type { PeerState } from '../inbox.ts';
import type { DecodedUpdate } from '../update-decoder.ts';

/** What a scheme puts in one outgoing frame. */
export interface EncodedUpdate {
  readonly codecId: number;
  readonly payload: Uint8Array;
  readonly seq: number;
  readonly keyframe: boolean;
  readonly paramCount: number;
  readonly rescales?: readonly FrameRescale[];
}

/** Why an update was not folded in; `resync`: ask the sender for its public copy. */
export interface FoldRejection {
  readonly reason: string;
  readonly detail: string;
  readonly resync?: boolean;
}

/**
 * A gossip scheme: how a node encodes what it publishes and folds what it receives into its view
 * of each neighbour (CHOCO public copies, or the latest model for direct gossip).
 */
export interface GossipScheme {
  /** Decode into shared buffers (the update is folded in at once), or into a vector the scheme keeps. */
  readonly transientDecode: boolean;
  /** The copy of itself this node aggregates against: x̂_self (CHOCO) or x (direct). */
  selfCopy(params: Float32Array): Float32Array;
  /** The node's own public copy and the last sequence number sent. */
  readonly publicCopy: Float32Array;
  /** Parameters a frame from `bytes` must carry (fragments of an outer optimizer differ by round). */
  paramCountOf(bytes: Uint8Array): number;
  encode(vector: Float32Array, round: number, seed: number): EncodedUpdate;
  fold(
    peer: PeerState,
    from: string,
    header: FrameHeader,
    update: DecodedUpdate,
    rescales: FrameRescale[],
  ): FoldRejection | null;
  /** A peer's snapshot (a resync): its public copy as of `seq`. */
  adopt(peer: PeerState, publicCopy: Float32Array, seq: number): void;
  snapshot(): { params: Float32Array; seq: number };
  /** The sequence number a checkpoint keeps. */
  exportSeq(): number;
  restore(publicCopy: Float32Array, seq: number): void;
  /** Neighbours may have lost track of this node (a join or a restart): send the whole model next. */
  resetPeers(): void;
}
