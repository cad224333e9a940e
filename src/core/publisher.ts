import { encodeFrame } from '../compress/index.ts';
import { timePhase } from '../util/phase-clock.ts';
import { deriveSeed } from '../util/rng.ts';
import type { EncodedUpdate, GossipScheme } from './gossip/scheme.ts';
import type { Inbox } from './inbox.ts';
import type { Transport } from './interfaces.ts';
import type { OutgoingPolicy } from './outgoing-policy.ts';
import type { RoundCounters } from './round-record.ts';

export interface PublisherOptions {
  readonly id: string;
  readonly specHash: string;
  readonly seed: number;
  readonly params: Float32Array;
  readonly gossip: GossipScheme;
  readonly inbox: Inbox;
  readonly transport: Transport;
  readonly policy: OutgoingPolicy | null;
}

/** A round's one frame: the model (or an attacker's vector) encoded by the gossip scheme, sent to the neighbours. */
export class Publisher {
  private readonly o: PublisherOptions;

  constructor(o: PublisherOptions) {
    this.o = o;
  }

  publish(round: number, counters: RoundCounters): void {
    const { policy, params, transport } = this.o;
    let vector = params;
    if (policy) {
      const models = transport.inNeighbours(round).map((p) => this.o.inbox.modelOf(p));
      vector = policy.outgoing(
        round,
        params,
        models.filter((v) => v !== undefined),
      );
    }
    const { enc, frame } = timePhase('encode', () => this.frameOf(vector, round));
    if (enc.keyframe) counters.keyframes++;
    const copies = transport.publish(frame);
    counters.sent(copies, enc.payload.length, frame.length - enc.payload.length);
  }

  private frameOf(vector: Float32Array, round: number): { enc: EncodedUpdate; frame: Uint8Array } {
    const { gossip, id: sender, specHash } = this.o;
    const enc = gossip.encode(vector, round, deriveSeed(this.o.seed, 'codec', round));
    const { codecId, seq, paramCount, payload, keyframe, rescales } = enc;
    return {
      enc,
      frame: encodeFrame({ codecId, sender, round, seq, paramCount, specHash, payload, keyframe, rescales }),
    };
  }
}
