import { encodeFrame, getCodec, type Codec } from '../compress/index.ts';
import { deriveSeed } from '../util/rng.ts';
import type { NodeConfig } from './config.ts';
import { ChocoGossip } from './gossip/choco.ts';
import { DirectGossip } from './gossip/direct.ts';
import type { GossipScheme } from './gossip/scheme.ts';
import { Inbox } from './inbox.ts';
import type { SyncSnapshot } from './interfaces.ts';
import { PeerLiveness } from './liveness.ts';
import { Mixer } from './mixing.ts';
import type { LearningNodeOptions, NeighbourLiveness, NodePhase, NodeState } from './node-options.ts';
import type { OutgoingPolicy } from './outgoing-policy.ts';
import { OuterOptimizer } from './outer-optimizer.ts';
import { PrivacyBudget } from './privacy-budget.ts';
import { ModestRound, type ModestContext } from './round-modes/modest.ts';
import { RoundCounters, type PrivacyRecord, type RoundRecord } from './round-record.ts';
import { RoundTimer } from './round-timer.ts';
import { pullBestSnapshot, snapshotProblem } from './snapshot-check.ts';
import { UpdateIntake } from './intake.ts';
import { TrackedRescale } from './tracked-rescale.ts';
import { TrainAhead } from './train-ahead.ts';

export type { LearningNodeOptions, NeighbourLiveness, NodePhase, NodeState } from './node-options.ts';
export type { ByzantineBehaviour } from './outgoing-policy.ts';

type ClosedBy = 'quorum' | 'deadline';

/**
 * The transport-agnostic learning node. Each round: local steps → encode → publish → collect
 * neighbours' updates until quorum or an adaptive deadline → aggregate → next round.
 * No global barrier: every node runs at its own pace.
 */
export class LearningNode {
  readonly id: string;
  readonly params: Float32Array;
  private readonly o: LearningNodeOptions;
  private readonly cfg: NodeConfig;
  private readonly codec: Codec;
  private readonly gossip: GossipScheme;
  private readonly inbox: Inbox;
  private readonly liveness: PeerLiveness;
  private readonly timer: RoundTimer;
  private readonly mixer: Mixer;
  private readonly policy: OutgoingPolicy | null;
  private readonly maxFrameBytes: number;
  private counters = new RoundCounters();
  private phaseValue: NodePhase = 'idle';
  private roundValue: number;
  private epoch = 0;
  private startedAt = 0;
  private trainLoss = NaN;
  /** Variance correction on the model with the maps sent along (config trackedRescale); else null. */
  private readonly tracked: TrackedRescale | null;
  /** ε accounting of this node's DP training; null without a privacy config (and for attackers). */
  private readonly budget: PrivacyBudget | null;
  private readonly outer: OuterOptimizer | null;
  private readonly ahead: TrainAhead<ClosedBy> | null;
  private sittingOut = false;
  private readonly modest: ModestRound | null;
  private readonly intake: UpdateIntake;

  constructor(o: LearningNodeOptions) {
    this.o = o;
    const cfg = (this.cfg = o.config);
    this.id = o.transport.selfId;
    const d = o.layout.totalSize;
    if (o.params.length !== d) throw new Error(`node ${this.id}: params have ${o.params.length} values, layout ${d}`);
    this.params = o.params;
    this.codec = getCodec(cfg.codec, o.layout);
    this.policy = o.outgoing ?? null;
    this.inbox = new Inbox(d);
    this.liveness = new PeerLiveness(this.inbox, o.clock, cfg);
    this.timer = new RoundTimer(o.clock, cfg.deadline);
    this.maxFrameBytes = cfg.maxFrameBytes ?? 8 * d + 65536;
    this.roundValue = o.startRound ?? 0;
    this.budget = cfg.privacy && !this.policy ? PrivacyBudget.forNode(this.id, cfg.privacy, o) : null;
    this.outer = cfg.outer ? new OuterOptimizer(cfg.outer, o.params) : null;
    this.ahead = this.outer?.cfg.overlap ? new TrainAhead(o.learner, this.outer) : null;
    this.modest = cfg.modest ? new ModestRound(this.modestContext()) : null;
    const vc = cfg.aggregator.varianceCorrection;
    const tracks = cfg.trackedRescale && cfg.gossip === 'choco' && vc !== 'none' && !this.policy;
    this.tracked = tracks ? new TrackedRescale(o.layout, vc) : null;
    const ownInitial = o.sharedInitialCopy ?? o.initialCopyOf?.(this.id);
    this.gossip = cfg.gossip === 'direct'
      ? new DirectGossip(o.params, this.codec, this.outer, ownInitial)
      : new ChocoGossip({ d, layout: o.layout, codec: this.codec, keyframeResidual: cfg.keyframeResidual, ownInitial, initialCopyOf: o.initialCopyOf, tracked: this.tracked });
    const { params, outer, tracked, policy } = this;
    const degreeOf = (p: string) => o.transport.degreeOf(p);
    this.mixer = new Mixer({ config: cfg, layout: o.layout, params, inbox: this.inbox, degreeOf, outer, tracked, policy });
    if (cfg.gossip === 'choco' && !this.modest) {
      const neighbours = o.transport.inNeighbours(this.roundValue);
      if (o.sharedInitialCopy) this.inbox.seedChoco(neighbours, o.sharedInitialCopy);
      else if (o.initialCopyOf) this.inbox.seedChocoFrom(neighbours, o.initialCopyOf);
    }
    this.intake = new UpdateIntake({
      specHash: o.specHash, d, layers: o.layout.entries.length, maxFrameBytes: this.maxFrameBytes, transport: o.transport,
      gossip: this.gossip, inbox: this.inbox, liveness: this.liveness, timer: this.timer,
      counters: () => this.counters,
      round: () => this.roundValue,
      collecting: () => this.phaseValue === 'collecting',
      epoch: () => this.epoch,
      reject: (from, reason, detail) => this.reject(from, reason, detail),
      progress: () => this.maybeClose() || this.armDeadline(),
    });
    o.transport.onFrame((from, frame) => {
      if (this.modest) this.modest.receive(from, frame);
      else if (this.phaseValue !== 'stopped') this.intake.receive(from, frame);
    });
    o.transport.serveSync(() => this.snapshot());
  }

  private modestContext(): ModestContext {
    const o = this.o;
    const { id, params, codec, maxFrameBytes } = this;
    const { specHash, seed, clock, transport, learner, lastRound } = o;
    return {
      id, params, specHash, codec, seed, maxFrameBytes, clock, transport, learner, lastRound,
      config: this.cfg.modest!,
      sent: (copies, payload, meta) => this.counters.sent(copies, payload, meta),
      received: (payload, meta) => this.counters.received(payload, meta),
      accepted: () => void this.counters.accepted++,
      reject: (from, reason, detail) => this.reject(from, reason, detail),
      record: (r) => this.emit({ ...r, ...this.counters.snapshot() }),
      setRound: (round, phase) => {
        this.roundValue = Math.max(this.roundValue, round);
        if (this.phaseValue !== 'stopped') this.phaseValue = phase;
      },
    };
  }

  get round(): number {
    return this.roundValue;
  }

  get phase(): NodePhase {
    return this.phaseValue;
  }

  /** ε spent so far and whether the budget stopped this node; null without privacy. */
  get privacy(): (PrivacyRecord & { readonly targetEpsilon: number | null }) | null {
    return this.budget ? { ...this.budget.record(), targetEpsilon: this.budget.targetEpsilon } : null;
  }

  /** Bytes of vectors this node keeps between rounds: its parameters, its public copy, its inbox. */
  stateBytes(): { params: number; publicCopy: number; inbox: number } {
    return { params: this.params.byteLength, publicCopy: this.gossip.publicCopy.byteLength, inbox: this.inbox.bytes() };
  }

  get isByzantine(): boolean {
    return this.policy !== null;
  }

  start(): void {
    if (this.phaseValue !== 'idle') throw new Error(`node ${this.id}: start() in phase ${this.phaseValue}`);
    if (!this.modest) return this.beginRound();
    this.phaseValue = 'collecting';
    this.modest.start(this.roundValue);
  }

  /**
   * Late join: pull the current model from `peers`, adopt the most advanced snapshot once every
   * peer answered (or failed), then train from its round. With `onlyIfAhead`, snapshots not past
   * this node's own round are ignored (a node resuming from a checkpoint keeps its own model).
   */
  join(peers: readonly string[], onJoined?: (from: string, round: number) => void, opts: { onlyIfAhead?: boolean } = {}): void {
    if (peers.length === 0) return this.start();
    this.phaseValue = 'syncing';
    const epoch = this.epoch;
    const check = (s: SyncSnapshot) => snapshotProblem(s, this.o.specHash, this.params.length);
    const failed = (peer: string, problem: string) => epoch === this.epoch && this.o.onReject?.(peer, 'sync-failed', problem);
    pullBestSnapshot(this.o.transport, peers, check, opts.onlyIfAhead ? this.roundValue : -Infinity, failed, (best) => {
      if (epoch !== this.epoch) return;
      if (best) {
        this.params.set(best.snap.params);
        this.roundValue = best.snap.round;
        this.gossip.resetPeers();
        this.outer?.reset(this.params);
        onJoined?.(best.peer, best.snap.round);
      }
      this.phaseValue = 'idle';
      this.start();
    });
  }

  /** Crash or leave: stop reacting to anything. */
  stop(): void {
    this.phaseValue = 'stopped';
    this.epoch++;
    this.modest?.stop();
    this.timer.cancel();
  }

  snapshot(): SyncSnapshot {
    const s = this.gossip.snapshot();
    return { specHash: this.o.specHash, round: this.roundValue, params: this.params.slice(), publicCopy: s.params, seq: s.seq };
  }

  /**
   * State a checkpoint must keep (the learner keeps its optimizer state itself). The CHOCO public
   * copy is the error-feedback state: x − x̂ is exactly what compression has not delivered yet.
   */
  exportState(): NodeState {
    const outer = this.outer ? { outer: this.outer.exportState() } : {};
    const publicCopy = this.gossip.snapshot().params;
    return { round: this.roundValue, params: this.params.slice(), publicCopy, seq: this.gossip.exportSeq(), ...outer };
  }

  /** Resume from exportState(); neighbours get a keyframe first since they may have lost track. */
  importState(s: NodeState): void {
    this.params.set(s.params);
    this.roundValue = s.round;
    this.gossip.restore(s.publicCopy, s.seq);
    this.tracked?.reset();
    this.gossip.resetPeers();
    // No saved outer state (an older checkpoint, or `outer` newly configured): start it from the model.
    if (this.outer && s.outer) this.outer.importState(s.outer);
    else this.outer?.reset(this.params);
  }

  private beginRound(): void {
    this.phaseValue = 'training';
    this.startedAt = this.o.clock.now();
    this.liveness.roundStarted(this.roundValue);
    const epoch = this.epoch;
    const budget = this.budget;
    // Privacy budget spent: no more training on local data, nothing published; it still aggregates.
    if (budget && !budget.mayTrain(this.cfg.localSteps, this.roundValue)) return this.collectOnly();
    if (this.o.participates && !this.o.participates(this.roundValue)) {
      // Offline for the round: it only waits. Aggregating without publishing would make CHOCO's
      // step x += γ(agg − x̂_self) repeat against a public copy x̂_self that no longer moves.
      this.sittingOut = true;
      return this.collectOnly();
    }
    const aheadLoss = this.ahead?.take() ?? null;
    if (aheadLoss !== null) {
      // Overlap: this round's inner steps ran while the last round collected.
      this.trainLoss = aheadLoss;
      return this.publish();
    }
    this.o.learner.train(this.roundValue, this.params, (loss) => {
      if (epoch !== this.epoch) return;
      this.trainLoss = loss;
      budget?.spend(this.cfg.localSteps);
      this.publish();
    });
  }

  private collectOnly(): void {
    this.trainLoss = NaN;
    this.timer.open();
    this.phaseValue = 'collecting';
    // Not closing on a quorum already met here: with no live neighbours that would loop without end.
    this.armDeadline();
  }

  private neighbours(): readonly string[] {
    return this.o.transport.inNeighbours(this.roundValue);
  }

  private publish(): void {
    const round = this.roundValue;
    const models = this.policy ? this.neighbours().map((p) => this.inbox.modelOf(p)).filter((v) => v !== undefined) : [];
    const vector = this.policy ? this.policy.outgoing(round, this.params, models) : this.params;
    const enc = this.gossip.encode(vector, round, deriveSeed(this.o.seed, 'codec', round));
    if (enc.keyframe) this.counters.keyframes++;
    const { codecId, seq, paramCount, payload, keyframe, rescales } = enc;
    const frame = encodeFrame({ codecId, sender: this.id, round, seq, paramCount, specHash: this.o.specHash, payload, keyframe, rescales });
    const copies = this.o.transport.publish(frame);
    this.counters.sent(copies, payload.length, frame.length - payload.length);
    this.timer.open();
    this.phaseValue = 'collecting';
    const epoch = this.epoch;
    this.ahead?.start(round, this.params, () => epoch === this.epoch, (closedBy) => this.close(closedBy));
    if (!this.maybeClose()) this.armDeadline();
  }

  private armDeadline(): void {
    const epoch = this.epoch;
    const round = this.roundValue;
    this.timer.arm(() => {
      if (epoch === this.epoch && this.phaseValue === 'collecting' && this.roundValue === round) this.close('deadline');
    });
  }

  /** Count a rejection the transport made before the frame reached the node (e.g. a wrong topic). */
  noteRejected(from: string, reason: string, detail: string): void {
    this.reject(from, reason, detail);
  }

  private reject(from: string, reason: string, detail: string): void {
    this.counters.reject(reason);
    this.o.onReject?.(from, reason, detail);
  }

  /** Each current in-neighbour as the node judges it (for status pages). */
  neighbourLiveness(): NeighbourLiveness[] {
    return this.liveness.report(this.neighbours());
  }

  private maybeClose(): boolean {
    if (!this.liveness.quorumMet(this.roundValue, this.neighbours())) return false;
    this.close('quorum');
    return true;
  }

  private close(closedBy: ClosedBy): void {
    if (this.ahead?.defer(closedBy)) return;
    this.timer.cancel();
    if (closedBy === 'deadline') this.liveness.noteMissedDeadline(this.neighbours(), this.startedAt);
    const published = this.ahead?.published(this.params) ?? null;
    const selfCopy = this.gossip.selfCopy(this.params);
    const used = this.sittingOut ? { count: 0, staleDropped: 0 } : this.mixer.mix(this.roundValue, this.neighbours(), selfCopy);
    this.sittingOut = false;
    this.ahead?.addProgress(this.roundValue, this.params, published);
    this.inbox.pruneDeparted(this.neighbours(), this.roundValue - this.cfg.staleness.maxRounds);
    const { id: node, roundValue: round, startedAt, trainLoss } = this;
    const { publishedAt } = this.timer;
    const timing = { startedAt, publishedAt, closedAt: this.o.clock.now(), closedBy, deadlineMs: this.timer.inForce() };
    const privacy = this.budget ? { privacy: this.budget.record() } : {};
    const record = { node, round, ...timing, trainLoss, used: used.count, staleDropped: used.staleDropped, ...this.counters.snapshot(), ...privacy };
    const next = this.roundValue + 1;
    this.roundValue = this.o.catchUp ? this.liveness.catchUpRound(next, this.neighbours()) : next;
    this.emit(record);
    if (this.phaseValue !== 'stopped') this.beginRound();
  }

  private emit(record: RoundRecord): void {
    this.counters = new RoundCounters();
    this.o.onRound?.(record);
  }
}
