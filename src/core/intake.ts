import { FrameError } from '../compress/index.ts';
import type { GossipScheme } from './gossip/scheme.ts';
import type { Inbox } from './inbox.ts';
import type { SyncSnapshot, Transport } from './interfaces.ts';
import type { PeerLiveness } from './liveness.ts';
import type { RoundCounters } from './round-record.ts';
import type { RoundTimer } from './round-timer.ts';
import { snapshotProblem } from './snapshot-check.ts';
import { decodeUpdate } from './update-decoder.ts';
import { timePhase } from '../util/phase-clock.ts';

export interface IntakeOptions {
  readonly specHash: string;
  readonly d: number;
  readonly layers: number;
  readonly maxFrameBytes: number;
  readonly transport: Transport;
  readonly gossip: GossipScheme;
  readonly inbox: Inbox;
  readonly liveness: PeerLiveness;
  readonly timer: RoundTimer;
  /** The current round's counters (a new object each round). */
  readonly counters: () => RoundCounters;
  readonly round: () => number;
  readonly collecting: () => boolean;
  /** Changes when the node stops: answers to requests made before are dropped. */
  readonly epoch: () => number;
  readonly reject: (from: string, reason: string, detail: string) => void;
  /** An update or a resync was folded in while collecting: the round may close now. */
  readonly progress: () => void;
}

/**
 * Everything a node receives: each frame is decoded and validated here, once (the transport checks
 * only its header and CRC), rejected by reason or folded into the view of its sender; lost CHOCO
 * sync is repaired by pulling the sender's public copy.
 */
export class UpdateIntake {
  private readonly o: IntakeOptions;

  constructor(o: IntakeOptions) {
    this.o = o;
  }

  receive(from: string, bytes: Uint8Array): void {
    const { gossip, counters } = this.o;
    let decoded: ReturnType<typeof decodeUpdate>;
    try {
      const { specHash, maxFrameBytes: maxBytes, layers } = this.o;
      const expect = { paramCount: gossip.paramCountOf(bytes), specHash, maxBytes, layers };
      decoded = timePhase('decode', () => decodeUpdate(bytes, expect, gossip.transientDecode));
    } catch (e) {
      counters().received(0, bytes.length);
      if (e instanceof FrameError) return this.o.reject(from, e.reason, e.message);
      return this.o.reject(from, 'bad-payload', String(e));
    }
    const { header, update, rescales } = decoded;
    counters().received(header.payloadLength, header.frameLength - header.payloadLength);
    if (header.sender !== from) return this.o.reject(from, 'sender-mismatch', `frame claims sender ${header.sender}`);
    const peer = this.o.inbox.getOrCreate(from);
    const problem = timePhase('fold', () => gossip.fold(peer, from, header, update, rescales));
    if (problem) {
      if (problem.resync) this.requestResync(from);
      return this.o.reject(from, problem.reason, problem.detail);
    }
    counters().accepted++;
    peer.lastRound = Math.max(peer.lastRound, header.round);
    this.o.liveness.heard(peer);
    if (header.round >= this.o.round()) this.o.timer.recordArrival(this.o.collecting());
    if (this.o.collecting()) this.o.progress();
  }

  private requestResync(peer: string): void {
    const state = this.o.inbox.getOrCreate(peer);
    if (state.syncing) return;
    state.syncing = true;
    const epoch = this.o.epoch();
    this.o.transport.requestSync(peer, (r) => {
      state.syncing = false;
      if (epoch !== this.o.epoch()) return;
      const problem = r instanceof Error ? r.message : snapshotProblem(r, this.o.specHash, this.o.d);
      if (problem) return this.o.reject(peer, 'sync-failed', problem);
      const snap = r as SyncSnapshot;
      this.o.gossip.adopt(state, snap.publicCopy, snap.seq);
      state.lastRound = Math.max(state.lastRound, snap.round);
      this.o.liveness.heard(state);
      this.o.counters().resyncs++;
      // The resync may complete the quorum (e.g. a new neighbour's first delta arrived before any
      // public copy of it): close now rather than at the deadline.
      if (this.o.collecting()) this.o.progress();
    });
  }
}
