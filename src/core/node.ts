import { aggregate } from '../aggregate/registry.ts';
import { getAttack, type Attack, type AttackName } from '../aggregate/attacks/index.ts';
import { capTotalWeight, ParticipationWeights } from '../aggregate/participation-weights.ts';
import {
  ChocoReceiver, ChocoSender, FrameError, encodeFrame, getCodec, peekFrameHeader,
  type Codec, type FrameHeader, type FrameRescale,
} from '../compress/index.ts';
import type { ParamLayout } from '../learn/layout.ts';
import { PrivacyLedger } from '../privacy/ledger.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import type { NodeConfig } from './config.ts';
import { AdaptiveDeadline } from './deadline.ts';
import { OuterOptimizer, type OuterState } from './outer-optimizer.ts';
import { ModestRound, type ModestContext } from './round-modes/modest.ts';
import { Inbox, type PeerState } from './inbox.ts';
import { applyUpdate, decodeUpdate, denseValues, type DecodedUpdate } from './update-decoder.ts';
import type { Cancel, Clock, LocalLearner, SyncSnapshot, Transport } from './interfaces.ts';
import { RoundCounters, type PrivacyRecord, type RoundRecord } from './round-record.ts';
import { TrackedRescale, rescaleApplier } from './tracked-rescale.ts';

export interface ByzantineBehaviour {
  readonly attack: AttackName;
  readonly params?: Record<string, number>;
  /** How many Byzantine nodes the attacker assumes (ALIE's z depends on it). */
  readonly f: number;
  readonly n: number;
}

export interface LearningNodeOptions {
  readonly config: NodeConfig;
  readonly layout: ParamLayout;
  readonly specHash: string;
  readonly params: Float32Array;
  readonly clock: Clock;
  readonly transport: Transport;
  readonly learner: LocalLearner;
  readonly seed: number;
  readonly startRound?: number;
  /**
   * The public copy every neighbour starts from (e.g. the shared seeded init). Without it, the
   * node's first update is a keyframe carrying the full model.
   */
  readonly sharedInitialCopy?: Float32Array;
  /**
   * Seed-built first public copies: each node's independent initialisation is a function of its
   * init seed, so a neighbour can build x̂_j(0) itself instead of receiving a full-model keyframe.
   * Returns peer j's initial model (this node's own included), or undefined when it cannot.
   */
  readonly initialCopyOf?: (peer: string) => Float32Array | undefined;
  readonly byzantine?: ByzantineBehaviour;
  readonly onRound?: (r: RoundRecord) => void;
  readonly onReject?: (from: string, reason: string, detail: string) => void;
  /**
   * Jump ahead when the neighbours are more than `staleness.maxRounds` rounds in front (lower
   * median of their last rounds): a node that rejoins late would otherwise stay stale to them
   * forever, since nobody waits for it and it runs no faster than they do. Off in the simulator.
   */
  readonly catchUp?: boolean;
  /**
   * Required with `config.privacy`: the Poisson sampling rate of this node's DP steps (batchSize /
   * shard size) and the steps already spent in earlier runs (a restarted daemon must not forget them).
   */
  readonly privacy?: { readonly samplingRate: number; readonly stepsSpent?: number };
  /** Called after each round's DP steps, before anything derived from them is published. */
  readonly onPrivacySpent?: (steps: number, epsilon: number) => void;
  /** Called once, when the next round would take ε past `targetEpsilon`. */
  readonly onPrivacyBudgetReached?: (epsilon: number, round: number) => void;
  /**
   * Availability (the simulator's `availability`): in a round where this returns false the node
   * neither trains, publishes nor aggregates; it only waits for the round's quorum or deadline.
   */
  readonly participates?: (round: number) => boolean;
  /** MoDeST: the last round to aggregate (its aggregators hand the model to nobody). */
  readonly lastRound?: number;
}

export interface NodeState {
  readonly round: number;
  readonly params: Float32Array;
  readonly publicCopy: Float32Array;
  readonly seq: number;
  /** The outer optimizer's θ_outer and momentum (only with `config.outer`). */
  readonly outer?: OuterState;
}

/** How the node judges one neighbour: `silent` ones do not count toward the quorum. */
export interface NeighbourLiveness {
  readonly peer: string;
  readonly silent: boolean;
  /** Clock time of the last accepted update or resync; null before any. */
  readonly lastHeardAt: number | null;
  readonly lastRound: number | null;
  /** Rounds in a row closed by deadline without hearing from it. */
  readonly missedDeadlines: number;
}

export type NodePhase = 'idle' | 'syncing' | 'training' | 'collecting' | 'stopped';

const KEYFRAME_CODEC: Codec = getCodec({ name: 'none' });

/**
 * The transport-agnostic learning node. Each round: local steps → encode → publish → collect
 * neighbours' updates until quorum or an adaptive deadline → aggregate → next round.
 * No global barrier: every node runs at its own pace.
 */
export class LearningNode {
  readonly id: string;
  readonly params: Float32Array;
  private readonly o: LearningNodeOptions;
  /** One instance per attacker: some attacks (replay) remember what they saw. */
  private readonly attack: Attack | null;
  private readonly cfg: NodeConfig;
  private readonly codec: Codec;
  private readonly sender: ChocoSender;
  private readonly inbox: Inbox;
  private readonly deadline: AdaptiveDeadline;
  private readonly gamma: number;
  private readonly maxFrameBytes: number;
  private counters = new RoundCounters();
  private phaseValue: NodePhase = 'idle';
  private roundValue: number;
  private epoch = 0;
  private publishedAt = 0;
  private startedAt = 0;
  private trainLoss = NaN;
  private deadlineTimer: Cancel | null = null;
  private deadlineAt = Infinity;
  /** When each of the last S+2 rounds started here, for judging which neighbours are alive. */
  private readonly roundStarts = new Map<number, number>();
  private needKeyframe: boolean;
  /** Variance correction on the model with the maps sent along (config trackedRescale); else null. */
  private readonly tracked: TrackedRescale | null;
  private directSeq = 0;
  /** ε accounting of this node's DP training; null without a privacy config (and for attackers). */
  private readonly ledger: PrivacyLedger | null;
  private privacyStopped = false;
  private readonly participation: ParticipationWeights | null;
  private readonly outer: OuterOptimizer | null;
  /** Overlap: the next round's inner steps, trained on a copy while this round collects. */
  private ahead: { params: Float32Array; loss: number; done: boolean } | null = null;
  private closeWhenTrained: 'quorum' | 'deadline' | null = null;
  private sittingOut = false;
  private readonly modest: ModestRound | null;

  constructor(o: LearningNodeOptions) {
    this.o = o;
    this.cfg = o.config;
    this.id = o.transport.selfId;
    const d = o.layout.totalSize;
    if (o.params.length !== d) throw new Error(`node ${this.id}: params have ${o.params.length} values, layout ${d}`);
    this.params = o.params;
    this.codec = getCodec(this.cfg.codec, o.layout);
    const ownInitial = o.sharedInitialCopy ?? o.initialCopyOf?.(this.id);
    this.sender = new ChocoSender(d, ownInitial);
    this.inbox = new Inbox(d);
    this.deadline = new AdaptiveDeadline(this.cfg.deadline);
    this.gamma = this.cfg.consensusStep ?? (this.cfg.codec.name === 'none' ? 1 : 0.5);
    this.maxFrameBytes = this.cfg.maxFrameBytes ?? 8 * d + 65536;
    this.attack = o.byzantine ? getAttack(o.byzantine.attack) : null;
    this.roundValue = o.startRound ?? 0;
    this.needKeyframe = this.cfg.gossip === 'choco' && !ownInitial;
    this.ledger = this.makeLedger();
    this.participation = this.cfg.participation ? new ParticipationWeights(this.cfg.participation) : null;
    this.outer = this.cfg.outer ? new OuterOptimizer(this.cfg.outer, o.params) : null;
    this.modest = this.cfg.modest ? new ModestRound(this.modestContext()) : null;
    const vc = this.cfg.aggregator.varianceCorrection;
    const tracks = this.cfg.trackedRescale && this.cfg.gossip === 'choco' && vc !== 'none' && !o.byzantine;
    this.tracked = tracks ? new TrackedRescale(o.layout, vc) : null;
    if (this.cfg.gossip === 'choco' && !this.modest) {
      const neighbours = o.transport.inNeighbours(this.roundValue);
      if (o.sharedInitialCopy) this.inbox.seedChoco(neighbours, o.sharedInitialCopy);
      else if (o.initialCopyOf) this.inbox.seedChocoFrom(neighbours, o.initialCopyOf);
    }
    o.transport.onFrame((from, frame) => (this.modest ? this.modest.receive(from, frame) : this.receive(from, frame)));
    o.transport.serveSync(() => this.snapshot());
  }

  private modestContext(): ModestContext {
    const o = this.o;
    return {
      id: this.id,
      params: this.params,
      specHash: o.specHash,
      codec: this.codec,
      seed: o.seed,
      maxFrameBytes: this.maxFrameBytes,
      clock: o.clock,
      transport: o.transport,
      learner: o.learner,
      config: this.cfg.modest!,
      lastRound: o.lastRound,
      sent: (copies, payload, meta) => this.counters.sent(copies, payload, meta),
      received: (payload, meta) => this.counters.received(payload, meta),
      accepted: () => void this.counters.accepted++,
      reject: (from, reason, detail) => this.reject(from, reason, detail),
      record: (r) => {
        const record: RoundRecord = { ...r, ...this.counters.snapshot() };
        this.counters = new RoundCounters();
        o.onRound?.(record);
      },
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
    if (!this.ledger) return null;
    return { ...this.privacyRecord(), targetEpsilon: this.ledger.spec.targetEpsilon ?? null };
  }

  private makeLedger(): PrivacyLedger | null {
    const p = this.cfg.privacy;
    if (!p || this.o.byzantine) return null;
    const given = this.o.privacy;
    if (!given) throw new Error(`node ${this.id}: privacy needs LearningNodeOptions.privacy (the sampling rate)`);
    const spec = { q: given.samplingRate, sigma: p.noiseMultiplier, delta: p.delta, targetEpsilon: p.targetEpsilon };
    return new PrivacyLedger(spec, given.stepsSpent ?? 0);
  }

  private privacyRecord(): PrivacyRecord {
    return { epsilon: this.ledger!.epsilon, steps: this.ledger!.steps, stopped: this.privacyStopped };
  }

  /** Bytes of vectors this node keeps between rounds: its parameters, its public copy, its inbox. */
  stateBytes(): { params: number; publicCopy: number; inbox: number } {
    return { params: this.params.byteLength, publicCopy: this.sender.publicCopy.byteLength, inbox: this.inbox.bytes() };
  }

  get isByzantine(): boolean {
    return this.o.byzantine !== undefined;
  }

  start(): void {
    if (this.phaseValue !== 'idle') throw new Error(`node ${this.id}: start() in phase ${this.phaseValue}`);
    if (this.modest) {
      this.phaseValue = 'collecting';
      this.modest.start(this.roundValue);
      return;
    }
    this.beginRound();
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
    let pending = peers.length;
    let best: { peer: string; snap: SyncSnapshot } | null = null;
    for (const peer of peers) {
      this.o.transport.requestSync(peer, (r) => {
        if (epoch !== this.epoch) return;
        pending--;
        const problem = r instanceof Error ? r.message : this.checkSnapshot(r);
        if (problem) this.o.onReject?.(peer, 'sync-failed', problem);
        else if ((!opts.onlyIfAhead || (r as SyncSnapshot).round > this.roundValue) && (!best || (r as SyncSnapshot).round > best.snap.round))
          best = { peer, snap: r as SyncSnapshot };
        if (pending > 0) return;
        if (best) {
          this.params.set(best.snap.params);
          this.roundValue = best.snap.round;
          this.needKeyframe = this.cfg.gossip === 'choco';
          this.outer?.reset(this.params);
          onJoined?.(best.peer, best.snap.round);
        }
        this.start0();
      });
    }
  }

  private start0(): void {
    this.phaseValue = 'idle';
    this.start();
  }

  /** Crash or leave: stop reacting to anything. */
  stop(): void {
    this.phaseValue = 'stopped';
    this.epoch++;
    this.modest?.stop();
    this.deadlineTimer?.();
    this.deadlineTimer = null;
  }

  snapshot(): SyncSnapshot {
    const s = this.sender.snapshot();
    return { specHash: this.o.specHash, round: this.roundValue, params: this.params.slice(), publicCopy: s.params, seq: s.seq };
  }

  /**
   * State a checkpoint must keep (the learner keeps its optimizer state itself). The CHOCO public
   * copy is the error-feedback state: x − x̂ is exactly what compression has not delivered yet.
   */
  exportState(): NodeState {
    const s = this.sender.snapshot();
    const outer = this.outer ? { outer: this.outer.exportState() } : {};
    // Direct gossip numbers its frames itself: receivers drop any seq they saw, so it must survive a restart.
    const seq = this.cfg.gossip === 'direct' ? this.directSeq : s.seq;
    return { round: this.roundValue, params: this.params.slice(), publicCopy: s.params, seq, ...outer };
  }

  /** Resume from exportState(); neighbours get a keyframe first since they may have lost track. */
  importState(s: NodeState): void {
    this.params.set(s.params);
    this.roundValue = s.round;
    this.sender.restore({ params: s.publicCopy, seq: s.seq });
    if (this.cfg.gossip === 'direct') this.directSeq = s.seq;
    this.tracked?.reset();
    this.needKeyframe = this.cfg.gossip === 'choco';
    // No saved outer state (an older checkpoint, or `outer` newly configured): start it from the model.
    if (this.outer && s.outer) this.outer.importState(s.outer);
    else this.outer?.reset(this.params);
  }

  private checkSnapshot(s: SyncSnapshot): string | null {
    const d = this.params.length;
    if (s.specHash !== this.o.specHash) return `model spec hash ${s.specHash} is not ${this.o.specHash}`;
    if (s.params.length !== d || s.publicCopy.length !== d) return `snapshot has ${s.params.length} values, expected ${d}`;
    if (!Number.isInteger(s.round) || s.round < 0 || !Number.isInteger(s.seq) || s.seq < 0) return 'bad round or seq';
    for (let i = 0; i < d; i++) if (!Number.isFinite(s.params[i]!) || !Number.isFinite(s.publicCopy[i]!)) return 'non-finite values';
    return null;
  }

  private beginRound(): void {
    this.phaseValue = 'training';
    this.startedAt = this.o.clock.now();
    this.roundStarts.set(this.roundValue, this.startedAt);
    this.roundStarts.delete(this.roundValue - this.cfg.staleness.maxRounds - 2);
    const epoch = this.epoch;
    const ledger = this.ledger;
    if (ledger && (this.privacyStopped || !ledger.canSpend(this.cfg.localSteps))) {
      this.collectWithoutPublishing();
      return;
    }
    if (this.o.participates && !this.o.participates(this.roundValue)) {
      // Offline for the round: it only waits. Aggregating without publishing would make CHOCO's
      // step x += γ(agg − x̂_self) repeat against a public copy x̂_self that no longer moves.
      this.sittingOut = true;
      this.collectOnly();
      return;
    }
    if (this.ahead) {
      // Overlap: this round's inner steps ran while the last round collected.
      this.trainLoss = this.ahead.loss;
      this.ahead = null;
      this.publish();
      return;
    }
    this.o.learner.train(this.roundValue, this.params, (loss) => {
      if (epoch !== this.epoch) return;
      this.trainLoss = loss;
      if (ledger) {
        ledger.spend(this.cfg.localSteps);
        this.o.onPrivacySpent?.(ledger.steps, ledger.epsilon);
      }
      this.publish();
    });
  }

  /**
   * The privacy budget is spent: no more training on local data, nothing published (the model it
   * holds is still a DP release, and aggregating neighbours' updates into it costs no privacy).
   * The round still collects and aggregates, closing at the deadline or when the quorum arrives.
   */
  private collectWithoutPublishing(): void {
    if (!this.privacyStopped) {
      this.privacyStopped = true;
      this.o.onPrivacyBudgetReached?.(this.ledger!.epsilon, this.roundValue);
    }
    this.collectOnly();
  }

  private collectOnly(): void {
    this.trainLoss = NaN;
    this.publishedAt = this.o.clock.now();
    this.phaseValue = 'collecting';
    this.deadlineAt = Infinity;
    // Not closing on a quorum already met here: with no live neighbours that would loop without end.
    this.armDeadline();
  }

  private craftedVector(): Float32Array {
    const b = this.o.byzantine!;
    const attack = this.attack!;
    if (attack.kind === 'data') return this.params;
    const honest = this.o.transport
      .inNeighbours(this.roundValue)
      .map((p) => this.inbox.modelOf(p))
      .filter((v): v is Float32Array => v !== undefined);
    const rng = new Rng(deriveSeed(this.o.seed, 'attack', this.roundValue));
    return attack.craft({ self: this.params, honest, round: this.roundValue, rng, f: b.f, n: b.n }, b.params ?? {});
  }

  private publish(): void {
    const round = this.roundValue;
    const vector = this.o.byzantine ? this.craftedVector() : this.params;
    const seed = deriveSeed(this.o.seed, 'codec', round);
    let codecId: number = this.codec.id;
    let payload: Uint8Array;
    let seq: number;
    let keyframe = false;
    const rescales = this.tracked?.takeForPublish(this.sender) ?? [];
    if (this.cfg.gossip === 'direct') {
      payload = this.codec.encode(this.outer ? this.outer.outgoing(round, vector) : vector, seed);
      seq = ++this.directSeq;
    } else if (this.needKeyframe || this.residualTooLarge(vector)) {
      const s = this.sender.snapshot();
      this.sender.restore({ params: vector, seq: s.seq + 1 });
      payload = KEYFRAME_CODEC.encode(vector, seed);
      codecId = KEYFRAME_CODEC.id;
      seq = s.seq + 1;
      keyframe = true;
      this.needKeyframe = false;
      this.counters.keyframes++;
    } else {
      ({ payload, seq } = this.sender.makeUpdate(vector, this.codec, seed));
    }
    const paramCount = this.outer?.fragmented ? this.outer.outgoing(round, vector).length : this.params.length;
    const maps = keyframe ? undefined : rescales;
    const specHash = this.o.specHash;
    const frame = encodeFrame({ codecId, sender: this.id, round, seq, paramCount, specHash, payload, keyframe, rescales: maps });
    const copies = this.o.transport.publish(frame);
    this.counters.sent(copies, payload.length, frame.length - payload.length);
    this.publishedAt = this.o.clock.now();
    this.phaseValue = 'collecting';
    this.deadlineAt = Infinity;
    if (this.outer?.cfg.overlap) this.trainAhead();
    if (!this.maybeClose('quorum')) this.armDeadline();
  }

  /** Overlap: run the next round's inner steps on a copy while this round collects. */
  private trainAhead(): void {
    const ahead = { params: this.params.slice(), loss: NaN, done: false };
    this.ahead = ahead;
    const epoch = this.epoch;
    this.o.learner.train(this.roundValue + 1, ahead.params, (loss) => {
      if (epoch !== this.epoch) return;
      ahead.loss = loss;
      ahead.done = true;
      const closedBy = this.closeWhenTrained;
      this.closeWhenTrained = null;
      if (closedBy) this.close(closedBy);
    });
  }

  /**
   * CHOCO is stable only while compression keeps up with how fast x moves; after a big jump (e.g.
   * the first averaging of independently initialised models) the residual x − x̂ stays large and
   * repeated consensus steps overshoot. Past `keyframeResidual` (relative norm), send x whole.
   */
  private residualTooLarge(x: Float32Array): boolean {
    const limit = this.cfg.keyframeResidual;
    if (limit <= 0) return false;
    const hat = this.sender.publicCopy;
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < x.length; i++) {
      const r = x[i]! - hat[i]!;
      diff += r * r;
      norm += x[i]! * x[i]!;
    }
    return diff > limit * limit * norm;
  }

  private deadlineMs(): number {
    return this.deadline.current(this.o.clock.lagMs?.() ?? 0);
  }

  /** (Re)arm the round deadline; it only ever moves earlier as arrival samples come in. */
  private armDeadline(): void {
    const at = this.publishedAt + this.deadlineMs();
    if (at >= this.deadlineAt) return;
    this.deadlineTimer?.();
    this.deadlineAt = at;
    const epoch = this.epoch;
    const round = this.roundValue;
    this.deadlineTimer = this.o.clock.schedule(Math.max(0, at - this.o.clock.now()), () => {
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

  private receive(from: string, bytes: Uint8Array): void {
    if (this.phaseValue === 'stopped') return;
    let header: FrameHeader;
    let update: DecodedUpdate;
    let rescales: FrameRescale[];
    try {
      // A fragment's length follows from its round (the schedule is the same everywhere).
      const fragmentOf = this.outer?.fragmented ? peekFrameHeader(bytes).round : null;
      const paramCount = fragmentOf === null ? this.params.length : this.outer!.outgoing(fragmentOf, this.params).length;
      const layers = this.o.layout.entries.length;
      const expect = { paramCount, specHash: this.o.specHash, maxBytes: this.maxFrameBytes, layers };
      // Direct gossip keeps the decoded vector (peer.latest); CHOCO only adds it to a copy.
      ({ header, update, rescales } = decodeUpdate(bytes, expect, this.cfg.gossip === 'choco'));
    } catch (e) {
      this.counters.received(0, bytes.length);
      if (e instanceof FrameError) return this.reject(from, e.reason, e.message);
      return this.reject(from, 'bad-payload', String(e));
    }
    this.counters.received(header.payloadLength, header.frameLength - header.payloadLength);
    if (header.sender !== from) return this.reject(from, 'sender-mismatch', `frame claims sender ${header.sender}`);
    const peer = this.inbox.getOrCreate(from);
    if (this.cfg.gossip === 'direct') {
      if (header.seq <= peer.latestSeq) return this.reject(from, 'duplicate', `seq ${header.seq} ≤ ${peer.latestSeq}`);
      const values = denseValues(update);
      peer.latest = this.outer?.fragmented ? this.outer.scatter(peer.latest, values, header.round, this.params) : values;
      peer.latestSeq = header.seq;
    } else if (header.keyframe) {
      peer.choco ??= new ChocoReceiver(this.params.length);
      peer.choco.resetFromFull(denseValues(update), header.seq);
    } else {
      const seedBuilt = !peer.choco && header.seq === 1 ? this.o.initialCopyOf?.(from) : undefined;
      if (seedBuilt) peer.choco = new ChocoReceiver(this.params.length, seedBuilt, 0);
      if (!peer.choco) {
        this.requestResync(from);
        return this.reject(from, 'seq-gap', `no public copy of ${from} yet (seq ${header.seq})`);
      }
      const verdict = applyUpdate(peer.choco, update, header.seq, rescaleApplier(this.o.layout, rescales));
      if (verdict === 'duplicate') return this.reject(from, 'duplicate', `seq ${header.seq} ≤ ${peer.choco.lastSeq}`);
      if (verdict === 'gap') {
        this.requestResync(from);
        return this.reject(from, 'seq-gap', `seq ${header.seq} after ${peer.choco.lastSeq}`);
      }
    }
    this.counters.accepted++;
    peer.lastRound = Math.max(peer.lastRound, header.round);
    this.heard(peer);
    if (header.round >= this.roundValue) this.deadline.record(this.phaseValue === 'collecting' ? this.o.clock.now() - this.publishedAt : 0);
    if (this.phaseValue === 'collecting' && !this.maybeClose('quorum')) this.armDeadline();
  }

  private requestResync(peer: string): void {
    const state = this.inbox.getOrCreate(peer);
    if (state.syncing) return;
    state.syncing = true;
    const epoch = this.epoch;
    this.o.transport.requestSync(peer, (r) => {
      state.syncing = false;
      if (epoch !== this.epoch) return;
      const problem = r instanceof Error ? r.message : this.checkSnapshot(r);
      if (problem) return this.reject(peer, 'sync-failed', problem);
      const snap = r as SyncSnapshot;
      state.choco ??= new ChocoReceiver(this.params.length);
      state.choco.resetFromFull(snap.publicCopy, snap.seq);
      state.lastRound = Math.max(state.lastRound, snap.round);
      this.heard(state);
      this.counters.resyncs++;
      // The resync may complete the quorum (e.g. a new neighbour's first delta arrived before any
      // public copy of it): close now rather than at the deadline.
      if (this.phaseValue === 'collecting' && !this.maybeClose('quorum')) this.armDeadline();
    });
  }

  private heard(state: PeerState): void {
    state.lastHeardAt = this.o.clock.now();
    state.missedDeadlines = 0;
  }

  /**
   * A neighbour is silent once `silentAfterDeadlines` rounds in a row closed by deadline without a
   * word from it (an accepted update or a resync): it stops counting toward the quorum until it
   * is heard again, so a peer that connects and never sends cannot slow every round to the deadline.
   */
  private isSilent(state: PeerState | undefined): boolean {
    return (state?.missedDeadlines ?? 0) >= this.cfg.silentAfterDeadlines;
  }

  /** Count a missed deadline for every neighbour not heard from since this round started. */
  private noteMissedDeadline(): void {
    for (const p of this.o.transport.inNeighbours(this.roundValue)) {
      const state = this.inbox.getOrCreate(p);
      if (state.lastHeardAt < this.startedAt) state.missedDeadlines++;
    }
  }

  /** Each current in-neighbour as the node judges it (for status pages). */
  neighbourLiveness(): NeighbourLiveness[] {
    return this.o.transport.inNeighbours(this.roundValue).map((peer) => {
      const s = this.inbox.get(peer);
      const heard = s && Number.isFinite(s.lastHeardAt) ? s.lastHeardAt : null;
      const lastRound = s && Number.isFinite(s.lastRound) ? s.lastRound : null;
      const missedDeadlines = s?.missedDeadlines ?? 0;
      return { peer, silent: this.isSilent(s), lastHeardAt: heard, lastRound, missedDeadlines };
    });
  }

  /**
   * Peers counted for the quorum: not silent, and heard from during our last S+1 rounds. Liveness
   * is judged by time, not by round numbers: a neighbour that is behind is alive and waited for (up
   * to the deadline); judging by rounds let a node that got ahead stop waiting and run away for good.
   */
  private liveNeighbours(): { live: number; fresh: number } {
    const windowStart = this.roundStarts.get(this.roundValue - this.cfg.staleness.maxRounds - 1);
    let live = 0;
    let fresh = 0;
    for (const p of this.o.transport.inNeighbours(this.roundValue)) {
      const state = this.inbox.get(p);
      // Until S+1 rounds have run here, every neighbour counts as live.
      if (windowStart !== undefined && (state?.lastHeardAt ?? -Infinity) < windowStart) continue;
      if (this.isSilent(state)) continue;
      live++;
      if (state && state.lastRound >= this.roundValue && this.inbox.modelOf(p)) fresh++;
    }
    return { live, fresh };
  }

  private maybeClose(reason: 'quorum'): boolean {
    const { live, fresh } = this.liveNeighbours();
    if (fresh >= Math.ceil(this.cfg.quorum * live)) {
      this.close(reason);
      return true;
    }
    return false;
  }

  private close(closedBy: 'quorum' | 'deadline'): void {
    if (this.ahead && !this.ahead.done) {
      this.closeWhenTrained ??= closedBy;
      return;
    }
    this.deadlineTimer?.();
    this.deadlineTimer = null;
    if (closedBy === 'deadline') this.noteMissedDeadline();
    const published = this.ahead ? this.params.slice() : null;
    const used = this.sittingOut ? { count: 0, staleDropped: 0 } : this.aggregateNeighbours();
    this.sittingOut = false;
    if (this.ahead && published) this.applyInnerProgress(published, this.ahead.params);
    const record: RoundRecord = {
      node: this.id,
      round: this.roundValue,
      startedAt: this.startedAt,
      publishedAt: this.publishedAt,
      closedAt: this.o.clock.now(),
      closedBy,
      deadlineMs: Number.isFinite(this.deadlineAt) ? this.deadlineAt - this.publishedAt : this.deadlineMs(),
      trainLoss: this.trainLoss,
      used: used.count,
      staleDropped: used.staleDropped,
      ...this.counters.snapshot(),
      ...(this.ledger ? { privacy: this.privacyRecord() } : {}),
    };
    this.counters = new RoundCounters();
    this.roundValue = this.nextRound();
    this.o.onRound?.(record);
    if (this.phaseValue !== 'stopped') this.beginRound();
  }

  /** Overlap: the inner progress made since publishing, added back with the staleness correction. */
  private applyInnerProgress(published: Float32Array, ahead: Float32Array): void {
    for (let i = 0; i < ahead.length; i++) ahead[i] = ahead[i]! - published[i]!;
    this.outer!.addInnerProgress(this.roundValue, this.params, ahead);
  }

  private nextRound(): number {
    const next = this.roundValue + 1;
    if (!this.o.catchUp) return next;
    const seen = this.o.transport
      .inNeighbours(this.roundValue)
      .map((p) => this.inbox.get(p)?.lastRound ?? -Infinity)
      .filter((r) => Number.isFinite(r))
      .sort((a, b) => a - b);
    const front = seen[(seen.length - 1) >> 1];
    // Rounds travel as uint32: never jump where the counter could overflow.
    return front !== undefined && front - next > this.cfg.staleness.maxRounds && front < 0xfff00000 ? front : next;
  }

  private aggregateNeighbours(): { count: number; staleDropped: number } {
    const peers = this.o.transport.inNeighbours(this.roundValue);
    const received: Float32Array[] = [];
    const weights: number[] = [];
    const degrees: number[] = [];
    let staleDropped = 0;
    const selfDegree = peers.length;
    const pw = this.participation;
    for (const p of peers) {
      const model = this.inbox.modelOf(p);
      const last = this.inbox.get(p)?.lastRound ?? -Infinity;
      const isNew = pw?.isNew(p, last) ?? false;
      pw?.observe(p, last);
      if (!model || !Number.isFinite(last)) continue;
      const staleness = Math.max(0, this.roundValue - last);
      // A fragment from another round holds other coordinates: only this round's count.
      if (staleness > (this.outer?.fragmented ? 0 : this.cfg.staleness.maxRounds)) {
        staleDropped++;
        continue;
      }
      const deg = this.o.transport.degreeOf(p) ?? selfDegree;
      const base = this.cfg.weights === 'metropolis' ? 1 / (1 + Math.max(selfDegree, deg)) : 1 / (1 + selfDegree);
      received.push(model);
      weights.push(base * this.cfg.staleness.discount ** staleness * (isNew ? pw!.interval(p) : 1));
      degrees.push(deg);
    }
    if (pw) capTotalWeight(weights, selfDegree / (1 + selfDegree));
    if (received.length === 0) {
      this.outer?.step(this.roundValue, this.params);
      return { count: 0, staleDropped };
    }
    if (this.o.byzantine) {
      // An attacker keeps a plausible model of its own: the plain mean of what it observes.
      const mean = new Float32Array(this.params.length);
      for (const v of received) for (let i = 0; i < mean.length; i++) mean[i]! += v[i]! / received.length;
      this.params.set(mean);
      return { count: received.length, staleDropped };
    }
    const selfCopy = this.cfg.gossip === 'choco' ? this.sender.publicCopy : this.params;
    const rule = this.tracked ? { ...this.cfg.aggregator, varianceCorrection: 'none' as const } : this.cfg.aggregator;
    const out = aggregate(rule, selfCopy, received, weights, this.o.layout, { selfDegree, neighbourDegrees: degrees });
    const x = this.params;
    const g = this.gamma;
    const { start, end } = this.outer ? this.outer.fragmentOf(this.roundValue) : { start: 0, end: x.length };
    for (let i = start; i < end; i++) x[i] = x[i]! + g * (out[i]! - selfCopy[i]!);
    this.tracked?.afterConsensus(x, [selfCopy, ...received]);
    this.outer?.step(this.roundValue, x);
    return { count: received.length, staleDropped };
  }
}
