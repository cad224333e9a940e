import { ChocoSender, peekFrameHeader, type Codec, type FrameHeader } from '../../compress/index.ts';
import type { PeerState } from '../inbox.ts';
import type { OuterOptimizer } from '../outer-optimizer.ts';
import { denseValues, type DecodedUpdate } from '../update-decoder.ts';
import type { EncodedUpdate, FoldRejection, GossipScheme } from './scheme.ts';

/**
 * Direct gossip: send C(x) (or an outer optimizer's fragment of it) and keep each neighbour's
 * latest model; needed for time-varying graphs, where public copies cannot be kept in step.
 */
export class DirectGossip implements GossipScheme {
  readonly transientDecode = false;
  private readonly params: Float32Array;
  private readonly codec: Codec;
  private readonly outer: OuterOptimizer | null;
  /** Never advanced here; served in snapshots like a CHOCO node's (receivers never use it). */
  private readonly sender: ChocoSender;
  /** Frames are numbered here: receivers drop any seq they saw, so it must survive a restart. */
  private seq = 0;

  constructor(params: Float32Array, codec: Codec, outer: OuterOptimizer | null, ownInitial?: Float32Array) {
    this.params = params;
    this.codec = codec;
    this.outer = outer;
    this.sender = new ChocoSender(params.length, ownInitial);
  }

  get publicCopy(): Float32Array {
    return this.sender.publicCopy;
  }

  selfCopy(params: Float32Array): Float32Array {
    return params;
  }

  /** A fragment's length follows from its round (the schedule is the same everywhere). */
  paramCountOf(bytes: Uint8Array): number {
    if (!this.outer?.fragmented) return this.params.length;
    return this.outer.outgoing(peekFrameHeader(bytes).round, this.params).length;
  }

  encode(vector: Float32Array, round: number, seed: number): EncodedUpdate {
    const sent = this.outer ? this.outer.outgoing(round, vector) : vector;
    const payload = this.codec.encode(sent, seed);
    const paramCount = this.outer?.fragmented ? sent.length : this.params.length;
    return { codecId: this.codec.id, payload, seq: ++this.seq, keyframe: false, paramCount, rescales: [] };
  }

  fold(peer: PeerState, _from: string, header: FrameHeader, update: DecodedUpdate): FoldRejection | null {
    if (header.seq <= peer.latestSeq) return { reason: 'duplicate', detail: `seq ${header.seq} ≤ ${peer.latestSeq}` };
    const values = denseValues(update);
    peer.latest = this.outer?.fragmented ? this.outer.scatter(peer.latest, values, header.round, this.params) : values;
    peer.latestSeq = header.seq;
    return null;
  }

  adopt(): void {}

  snapshot(): { params: Float32Array; seq: number } {
    return this.sender.snapshot();
  }

  exportSeq(): number {
    return this.seq;
  }

  restore(publicCopy: Float32Array, seq: number): void {
    this.sender.restore({ params: publicCopy, seq });
    this.seq = seq;
  }

  resetPeers(): void {}
}
