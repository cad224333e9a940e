import {
  ChocoReceiver,
  ChocoSender,
  getCodec,
  type Codec,
  type FrameHeader,
  type FrameRescale,
} from '../../compress/index.ts';
import type { ParamLayout } from '../../learn/layout.ts';
import type { PeerState } from '../inbox.ts';
import { rescaleApplier, type TrackedRescale } from '../tracked-rescale.ts';
import { applyUpdate, denseValues, type DecodedUpdate } from '../update-decoder.ts';
import type { EncodedUpdate, FoldRejection, GossipScheme } from './scheme.ts';

const KEYFRAME_CODEC: Codec = getCodec({ name: 'none' });
const resync = true;
type Rejection = FoldRejection | null;

export interface ChocoOptions {
  readonly d: number;
  readonly layout: ParamLayout;
  readonly codec: Codec;
  /** Send the whole model when ‖x − x̂‖ > keyframeResidual · ‖x‖ (0: never). */
  readonly keyframeResidual: number;
  /** The public copy every neighbour starts from; absent: the first update is a keyframe. */
  readonly ownInitial?: Float32Array;
  /** Peer j's seed-built first public copy, when this node can build it. */
  readonly initialCopyOf?: (peer: string) => Float32Array | undefined;
  readonly tracked: TrackedRescale | null;
}

/** CHOCO gossip: send C(x − x̂_self), hold x̂_j of every neighbour, advanced by each delta. */
export class ChocoGossip implements GossipScheme {
  readonly transientDecode = true;
  private readonly o: ChocoOptions;
  private readonly sender: ChocoSender;
  private needKeyframe: boolean;

  constructor(o: ChocoOptions) {
    this.o = o;
    this.sender = new ChocoSender(o.d, o.ownInitial);
    this.needKeyframe = !o.ownInitial;
  }

  get publicCopy(): Float32Array {
    return this.sender.publicCopy;
  }

  selfCopy(): Float32Array {
    return this.sender.publicCopy;
  }

  paramCountOf(): number {
    return this.o.d;
  }

  encode(vector: Float32Array, _round: number, seed: number): EncodedUpdate {
    const rescales = this.o.tracked?.takeForPublish(this.sender) ?? [];
    const paramCount = this.o.d;
    // CHOCO is stable only while compression keeps up with how fast x moves; after a big jump (e.g. the
    // first averaging of independently initialised models) the residual x − x̂ stays large and repeated
    // consensus steps overshoot. Past `keyframeResidual` (relative norm) no update is made: x goes whole.
    const limit = this.o.keyframeResidual > 0 ? this.o.keyframeResidual : Infinity;
    const update = this.needKeyframe ? null : this.sender.makeUpdate(vector, this.o.codec, seed, limit);
    if (update) return { codecId: this.o.codec.id, ...update, keyframe: false, paramCount, rescales };
    const seq = this.sender.lastSeq + 1;
    this.sender.restore({ params: vector, seq });
    this.needKeyframe = false;
    const payload = KEYFRAME_CODEC.encode(vector, seed);
    return { codecId: KEYFRAME_CODEC.id, payload, seq, keyframe: true, paramCount };
  }

  fold(peer: PeerState, from: string, header: FrameHeader, update: DecodedUpdate, rescales: FrameRescale[]): Rejection {
    const d = this.o.d;
    if (header.keyframe) {
      peer.choco ??= new ChocoReceiver(d);
      peer.choco.resetFromFull(denseValues(update), header.seq);
      return null;
    }
    const seedBuilt = !peer.choco && header.seq === 1 ? this.o.initialCopyOf?.(from) : undefined;
    if (seedBuilt) peer.choco = new ChocoReceiver(d, seedBuilt, 0);
    if (!peer.choco) return { reason: 'seq-gap', detail: `no public copy of ${from} yet (seq ${header.seq})`, resync };
    const verdict = applyUpdate(peer.choco, update, header.seq, rescaleApplier(this.o.layout, rescales));
    if (verdict === 'duplicate') return { reason: 'duplicate', detail: `seq ${header.seq} ≤ ${peer.choco.lastSeq}` };
    if (verdict === 'gap')
      return { reason: 'seq-gap', detail: `seq ${header.seq} after ${peer.choco.lastSeq}`, resync };
    return null;
  }

  adopt(peer: PeerState, publicCopy: Float32Array, seq: number): void {
    peer.choco ??= new ChocoReceiver(this.o.d);
    peer.choco.resetFromFull(publicCopy, seq);
  }

  snapshot(): { params: Float32Array; seq: number } {
    return this.sender.snapshot();
  }

  exportSeq(): number {
    return this.sender.lastSeq;
  }

  restore(publicCopy: Float32Array, seq: number): void {
    this.sender.restore({ params: publicCopy, seq });
  }

  resetPeers(): void {
    this.needKeyframe = true;
  }
}
