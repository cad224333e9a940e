import type { NodeConfig } from './config.ts';
import { UpdateIntake } from './intake.ts';
import type { SyncSnapshot } from './interfaces.ts';
import type { LearningNodeOptions, NeighbourLiveness, NodePhase, NodeState } from './node-options.ts';
import { buildParts, type NodeParts } from './node-parts.ts';
import { ModestRound, type ModestContext } from './round-modes/modest.ts';
import { RoundCounters, type PrivacyRecord, type RoundRecord } from './round-record.ts';
import { pullBestSnapshot, snapshotProblem } from './snapshot-check.ts';
import { timePhase } from '../util/phase-clock.ts';

export type { LearningNodeOptions, NeighbourLiveness, NodePhase, NodeState } from './node-options.ts';
export type { ByzantineBehaviour } from './outgoing-policy.ts';

type JoinOptions = { readonly onlyIfAhead?: boolean };

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
  private readonly p: NodeParts;
  private readonly modest: ModestRound | null;
  private readonly intake: UpdateIntake;
  private counters = new RoundCounters();
  private phaseValue: NodePhase = 'idle';
  private roundValue: number;
  /** Changes when the node stops: callbacks from before are dropped. */
  private epoch = 0;
  private startedAt = 0;
  private trainLoss = NaN;
  private sittingOut = false;

  constructor(o: LearningNodeOptions) {
    this.o = o;
    this.cfg = o.config;
    this.id = o.transport.selfId;
    const d = o.layout.totalSize;
    if (o.params.length !== d) throw new Error(`node ${this.id}: params have ${o.params.length} values, layout ${d}`);
    this.params = o.params;
    this.roundValue = o.startRound ?? 0;
    this.p = buildParts(o);
    this.modest = o.config.modest ? new ModestRound(this.modestContext()) : null;
    if (o.config.gossip === 'choco' && !this.modest) {
      const neighbours = o.transport.inNeighbours(this.roundValue);
      if (o.sharedInitialCopy) this.p.inbox.seedChoco(neighbours, o.sharedInitialCopy);
      else if (o.initialCopyOf) this.p.inbox.seedChocoFrom(neighbours, o.initialCopyOf);
    }
    this.intake = new UpdateIntake({
      ...this.p,
      specHash: o.specHash,
      d,
      layers: o.layout.entries.length,
      transport: o.transport,
      counters: () => this.counters,
      round: () => this.roundValue,
      collecting: () => this.phaseValue === 'collecting',
      epoch: () => this.epoch,
      reject: (from, reason, detail) => this.noteRejected(from, reason, detail),
      progress: () => this.maybeClose() || this.afterProgress(),
    });
    o.transport.onFrame((from, frame) => {
      if (this.modest) this.modest.receive(from, frame);
      else if (this.phaseValue !== 'stopped') this.intake.receive(from, frame);
    });
    o.transport.serveSync(() => this.snapshot());
  }

  private modestContext(): ModestContext {
    const { id, params } = this;
    const { codec, maxFrameBytes } = this.p;
    const { specHash, seed, clock, transport, learner, lastRound } = this.o;
    return {
      id,
      params,
      specHash,
      codec,
      seed,
      maxFrameBytes,
      clock,
      transport,
      learner,
      lastRound,
      config: this.cfg.modest!,
      counters: () => this.counters,
      reject: (from, reason, detail) => this.noteRejected(from, reason, detail),
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
    return this.p.budget ? { ...this.p.budget.record(), targetEpsilon: this.p.budget.targetEpsilon } : null;
  }

  /** Bytes of vectors this node keeps between rounds: its parameters, its public copy, its inbox. */
  stateBytes(): { params: number; publicCopy: number; inbox: number } {
    const { gossip, inbox } = this.p;
    return { params: this.params.byteLength, publicCopy: gossip.publicCopy.byteLength, inbox: inbox.bytes() };
  }

  get isByzantine(): boolean {
    return this.p.policy !== null;
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
  join(peers: readonly string[], onJoined?: (from: string, round: number) => void, opts: JoinOptions = {}): void {
    if (peers.length === 0) return this.start();
    this.phaseValue = 'syncing';
    const epoch = this.epoch;
    const check = (s: SyncSnapshot) => snapshotProblem(s, this.o.specHash, this.params.length);
    const failed = (peer: string, why: string) => epoch === this.epoch && this.o.onReject?.(peer, 'sync-failed', why);
    const minRound = opts.onlyIfAhead ? this.roundValue : -Infinity;
    pullBestSnapshot(this.o.transport, peers, check, minRound, failed, (best) => {
      if (epoch !== this.epoch) return;
      if (best) {
        this.params.set(best.snap.params);
        this.roundValue = best.snap.round;
        this.p.gossip.resetPeers();
        this.p.outer?.reset(this.params);
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
    this.p.timer.cancel();
  }

  snapshot(): SyncSnapshot {
    const s = this.p.gossip.snapshot();
    const { specHash } = this.o;
    return { specHash, round: this.roundValue, params: this.params.slice(), publicCopy: s.params, seq: s.seq };
  }

  /**
   * State a checkpoint must keep (the learner keeps its optimizer state itself). The CHOCO public
   * copy is the error-feedback state: x − x̂ is exactly what compression has not delivered yet.
   */
  exportState(): NodeState {
    const outer = this.p.outer ? { outer: this.p.outer.exportState() } : {};
    const publicCopy = this.p.gossip.snapshot().params;
    const seq = this.p.gossip.exportSeq();
    return { round: this.roundValue, params: this.params.slice(), publicCopy, seq, ...outer };
  }

  /** Resume from exportState(); neighbours get a keyframe first since they may have lost track. */
  importState(s: NodeState): void {
    this.params.set(s.params);
    this.roundValue = s.round;
    this.p.gossip.restore(s.publicCopy, s.seq);
    this.p.tracked?.reset();
    this.p.gossip.resetPeers();
    // No saved outer state (an older checkpoint, or `outer` newly configured): start it from the model.
    if (this.p.outer && s.outer) this.p.outer.importState(s.outer);
    else this.p.outer?.reset(this.params);
  }

  private beginRound(): void {
    this.phaseValue = 'training';
    this.startedAt = this.o.clock.now();
    this.p.liveness.roundStarted(this.roundValue);
    const epoch = this.epoch;
    const budget = this.p.budget;
    // Privacy budget spent: no more training on local data, nothing published; it still aggregates.
    if (budget && !budget.mayTrain(this.cfg.localSteps, this.roundValue)) return this.collectOnly();
    if (this.o.participates && !this.o.participates(this.roundValue)) {
      // Offline for the round: it only waits. Aggregating without publishing would make CHOCO's
      // step x += γ(agg − x̂_self) repeat against a public copy x̂_self that no longer moves.
      this.sittingOut = true;
      return this.collectOnly();
    }
    const aheadLoss = this.p.ahead?.take() ?? null;
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
    this.p.timer.open();
    this.phaseValue = 'collecting';
    // Not closing on a quorum already met here: with no live neighbours that would loop without end.
    this.armDeadline();
  }

  private neighbours(): readonly string[] {
    return this.o.transport.inNeighbours(this.roundValue);
  }

  private publish(): void {
    const round = this.roundValue;
    this.p.publisher.publish(round, this.counters);
    this.p.timer.open();
    this.phaseValue = 'collecting';
    const epoch = this.epoch;
    this.p.ahead?.start(
      round,
      this.params,
      () => epoch === this.epoch,
      (closedBy) => this.close(closedBy),
    );
    if (!this.maybeClose()) this.armDeadline();
  }

  private armDeadline(): void {
    this.p.timer.arm(this.whileCollecting(() => this.deadlinePassed()));
  }

  private whileCollecting(fn: () => void): () => void {
    const epoch = this.epoch;
    const round = this.roundValue;
    return () => {
      if (epoch === this.epoch && this.phaseValue === 'collecting' && this.roundValue === round) fn();
    };
  }

  /** Close at the deadline, unless every live neighbour is more than S rounds behind: then wait for them. */
  private deadlinePassed(): void {
    if (!this.p.liveness.aheadOfAll(this.roundValue, this.neighbours())) return this.close('deadline');
    this.p.timer.hold(this.whileCollecting(() => this.deadlinePassed()));
  }

  /** An update came in and the quorum is not met: arm the deadline, or end a wait it made usable. */
  private afterProgress(): void {
    if (!this.p.timer.held) this.armDeadline();
    else if (!this.p.liveness.aheadOfAll(this.roundValue, this.neighbours())) this.close('deadline');
  }

  /** Count a rejection: the node's own, or one the transport made (the frame never got here, e.g. a wrong topic). */
  noteRejected(from: string, reason: string, detail: string): void {
    this.counters.reject(reason);
    this.o.onReject?.(from, reason, detail);
  }

  /** Each current in-neighbour as the node judges it (for status pages). */
  neighbourLiveness(): NeighbourLiveness[] {
    return this.p.liveness.report(this.neighbours());
  }

  private maybeClose(): boolean {
    if (!this.p.liveness.quorumMet(this.roundValue, this.neighbours(), this.p.timer.samples > 0)) return false;
    this.close('quorum');
    return true;
  }

  private close(closedBy: RoundRecord['closedBy']): void {
    if (this.p.ahead?.defer(closedBy)) return;
    this.p.timer.cancel();
    if (closedBy === 'deadline') this.p.liveness.noteMissedDeadline(this.neighbours(), this.startedAt);
    const published = this.p.ahead?.published(this.params) ?? null;
    const selfCopy = this.p.gossip.selfCopy(this.params);
    const mixed = this.sittingOut
      ? null
      : timePhase('mix', () => this.p.mixer.mix(this.roundValue, this.neighbours(), selfCopy));
    this.sittingOut = false;
    this.p.ahead?.addProgress(this.roundValue, this.params, published);
    this.p.inbox.pruneDeparted(this.neighbours(), this.roundValue - this.cfg.staleness.maxRounds);
    const { id: node, roundValue: round, startedAt, trainLoss } = this;
    const { publishedAt } = this.p.timer;
    const closedAt = this.o.clock.now();
    const timing = { startedAt, publishedAt, closedAt, closedBy, deadlineMs: this.p.timer.inForce() };
    const privacy = this.p.budget ? { privacy: this.p.budget.record() } : {};
    const used = { used: mixed?.count ?? 0, staleDropped: mixed?.staleDropped ?? 0 };
    const record = { node, round, ...timing, trainLoss, ...used, ...this.counters.snapshot(), ...privacy };
    const next = this.roundValue + 1;
    this.roundValue = this.o.catchUp ? this.p.liveness.catchUpRound(next, this.neighbours()) : next;
    this.emit(record);
    if (this.phaseValue !== 'stopped') this.beginRound();
  }

  private emit(record: RoundRecord): void {
    this.counters = new RoundCounters();
    this.o.onRound?.(record);
  }
}
