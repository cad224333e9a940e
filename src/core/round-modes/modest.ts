/**
 * MoDeST round mode (de Vos et al., "MoDeST: Mostly-Consistent Decentralized Sampling Training").
 * Every round k has a sample of `trainers` and a sample of `aggregators`, each the first
 * responsive peers of a permutation of the known membership seeded by hash(seed, role, k): every
 * node derives the same samples without talking to anyone (mostly: views of membership and of who
 * answers may differ, hence "mostly consistent"). Round k: the aggregators of round k − 1 hand
 * the model to the trainers of k; each trains its local steps and sends the result to the
 * aggregators of k; each aggregator averages what arrived (all `trainers`, or what came within
 * `timeoutMs` of the first) and hands it to the trainers of k + 1. Nodes in no sample do nothing
 * but answer probes and stay reachable.
 *
 * Unresponsive nodes: a sample is over-sampled (`overSample`: the first ⌈size·(1 + o)⌉ candidates
 * are probed at once, then the next as many, until `size` answered), so dead candidates are
 * skipped; an aggregator closes on its timeout with the models it has; and a sender checks its
 * recipients again after `watchdogMs` and, if none of them answers any more, sends to a fresh
 * sample, so a round survives its whole aggregator sample dying after the hand-over.
 *
 * On the wire a MoDeST frame is an ordinary frame of the full model: `round` is k and `seq` is
 * 2k + kind (0: a model to train in round k, 1: a model trained in round k).
 */
import { z } from 'zod';
import { FrameError, decodeFrame, encodeFrame, type Codec, type FrameHeader } from '../../compress/index.ts';
import { Rng, deriveSeed } from '../../util/rng.ts';
import type { Cancel, Clock, LocalLearner, Transport } from '../interfaces.ts';
import type { CounterKey, RoundCounters, RoundRecord } from '../round-record.ts';

export const modestSchema = z
  .object({
    /** s: trainers per round. */
    trainers: z.number().int().positive().max(10_000).default(8),
    /** a: aggregators per round. */
    aggregators: z.number().int().positive().max(1000).default(2),
    /** Over-sampling: probe this fraction more candidates than a sample needs, at once. */
    overSample: z.number().min(0).max(10).default(0.5),
    /** An aggregator closes this long after the first trained model arrived, with what it has. */
    timeoutMs: z.number().positive().default(2000),
    /** A sender re-checks its recipients this long after sending; none answering: a fresh sample. */
    watchdogMs: z.number().positive().default(5000),
    /** The shared seed every node derives the samples from. */
    seed: z.number().int().nonnegative().default(0),
  })
  .strict();

export type ModestConfig = z.output<typeof modestSchema>;

type Role = 'train' | 'aggregate';
const KIND_MODEL = 0;
const KIND_TRAINED = 1;
/** What a probe and its answer cost on the wire (a ping), counted as metadata. */
export const PROBE_BYTES = 32;

export type ActivityRecord = Omit<RoundRecord, CounterKey>;

type RecordFields = Omit<ActivityRecord, 'node' | 'closedAt' | 'staleDropped' | 'deadlineMs'>;

/** What the mode needs from its LearningNode. */
export interface ModestContext {
  readonly id: string;
  readonly params: Float32Array;
  readonly specHash: string;
  readonly codec: Codec;
  readonly seed: number;
  readonly maxFrameBytes: number;
  readonly clock: Clock;
  readonly transport: Transport;
  readonly learner: LocalLearner;
  readonly config: ModestConfig;
  /** The last round to aggregate: its aggregators hand the model to nobody. */
  readonly lastRound?: number;
  /** The current round's counters (sent, received, accepted). */
  counters(): RoundCounters;
  reject(from: string, reason: string, detail: string): void;
  /** A finished activity: the node adds its counters, emits the record and resets them. */
  record(r: ActivityRecord): void;
  setRound(round: number, phase: 'training' | 'collecting'): void;
}

interface Aggregation {
  readonly firstAt: number;
  readonly models: Map<string, Float32Array>;
  readonly timer: Cancel;
}

export class ModestRound {
  private readonly c: ModestContext;
  private readonly cfg: ModestConfig;
  private stopped = false;
  private trainedRound = -1;
  private training: { round: number; token: number } | null = null;
  private trainToken = 0;
  private aggregatedRound = -1;
  /**
   * The newest round this node has taken part in or heard of. Older frames are refused: after a
   * failure a watchdog may hand an old round's model to a node that knows nothing newer, and that
   * stale branch must die at the first node that knows better.
   */
  private latest = -1;
  private readonly aggregations = new Map<number, Aggregation>();
  private readonly timers = new Set<Cancel>();

  constructor(c: ModestContext) {
    if (!c.transport.sendTo || !c.transport.probe)
      throw new Error(`node ${c.id}: modest needs a transport with sendTo and probe`);
    this.c = c;
    this.cfg = c.config;
  }

  /** Fresh nodes in round 0's trainer sample start training their initial model. */
  start(round: number): void {
    if (round !== 0) return;
    if (this.order(0, 'train').slice(0, this.cfg.trainers).includes(this.c.id)) this.train(0, this.c.clock.now());
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    for (const a of this.aggregations.values()) a.timer();
    this.aggregations.clear();
  }

  /** Every node this one knows, itself included, in a fixed order. */
  private membership(round: number): string[] {
    return [...new Set([this.c.id, ...this.c.transport.inNeighbours(round)])].sort();
  }

  /** The round's candidates for a role, best first: a permutation seeded by (seed, role, round). */
  order(round: number, role: Role): string[] {
    return new Rng(deriveSeed(this.cfg.seed, 'modest', role, round)).shuffle(this.membership(round));
  }

  private after(ms: number, fn: () => void): void {
    const cancel = this.c.clock.schedule(ms, () => {
      this.timers.delete(cancel);
      if (!this.stopped) fn();
    });
    this.timers.add(cancel);
  }

  private probe(peer: string, done: (alive: boolean) => void): void {
    if (peer === this.c.id) {
      this.after(0, () => done(true));
      return;
    }
    this.c.counters().sent(1, 0, PROBE_BYTES);
    this.c.transport.probe!(peer, (alive) => {
      if (!this.stopped) done(alive);
    });
  }

  /** The first `count` responsive candidates of the round's order for `role`, skipping `exclude`. */
  private select(
    round: number,
    role: Role,
    count: number,
    exclude: ReadonlySet<string>,
    done: (peers: string[]) => void,
  ): void {
    const order = this.order(round, role).filter((p) => !exclude.has(p));
    const batch = Math.max(count, Math.ceil(count * (1 + this.cfg.overSample)));
    const alive: string[] = [];
    let next = 0;
    const probeBatch = (): void => {
      const slice = order.slice(next, next + batch);
      next += slice.length;
      if (slice.length === 0) {
        done(alive);
        return;
      }
      const answers = new Array<boolean>(slice.length);
      let pending = slice.length;
      slice.forEach((p, k) =>
        this.probe(p, (ok) => {
          answers[k] = ok;
          if (--pending > 0) return;
          slice.forEach((q, j) => answers[j] && alive.length < count && alive.push(q));
          if (alive.length >= count || next >= order.length) done(alive);
          else probeBatch();
        }),
      );
    };
    probeBatch();
  }

  private frame(kind: number, round: number, model: Float32Array): Uint8Array {
    const payload = this.c.codec.encode(model, deriveSeed(this.c.seed, 'codec', round, kind));
    const header = {
      codecId: this.c.codec.id,
      sender: this.c.id,
      round,
      seq: 2 * round + kind,
      paramCount: model.length,
    };
    return encodeFrame({ ...header, specHash: this.c.specHash, payload, keyframe: false });
  }

  /**
   * Send `frame` to the round's sample for `role`, then call `sent`. After watchdogMs the
   * recipients are probed again; if none answers, the frame goes to a fresh sample without them.
   */
  private handOver(
    round: number,
    role: Role,
    frame: Uint8Array,
    sent: (() => void) | null,
    exclude = new Set<string>(),
  ): void {
    const count = role === 'train' ? this.cfg.trainers : this.cfg.aggregators;
    this.select(round, role, count, exclude, (peers) => {
      const others = peers.filter((p) => p !== this.c.id);
      if (others.length > 0) {
        const copies = this.c.transport.sendTo!(others, frame);
        this.c.counters().sent(copies, frame.length, 0);
      }
      if (peers.includes(this.c.id)) this.after(0, () => this.receive(this.c.id, frame));
      sent?.();
      this.after(this.cfg.watchdogMs, () => this.watch(round, role, frame, peers, exclude));
    });
  }

  private watch(round: number, role: Role, frame: Uint8Array, peers: readonly string[], exclude: Set<string>): void {
    if (peers.includes(this.c.id) || this.latest > round) return;
    let pending = peers.length;
    let anyAlive = false;
    const verdict = (): void => {
      if (anyAlive) return;
      for (const p of peers) exclude.add(p);
      if (exclude.size < this.membership(round).length) this.handOver(round, role, frame, null, exclude);
    };
    if (pending === 0) {
      verdict();
      return;
    }
    for (const p of peers)
      this.probe(p, (alive) => {
        anyAlive ||= alive;
        if (--pending === 0) verdict();
      });
  }

  /** Count and report a refused frame; false, for `return this.refuse(...)` in the handlers. */
  private refuse(from: string, reason: string, detail: string): false {
    this.c.reject(from, reason, detail);
    return false;
  }

  /** Handle a frame; whether it was accepted. */
  receive(from: string, bytes: Uint8Array): boolean {
    if (this.stopped) return false;
    let header: FrameHeader;
    let values: Float32Array;
    const d = this.c.params.length;
    try {
      ({ header, values } = decodeFrame(bytes, {
        paramCount: d,
        specHash: this.c.specHash,
        maxBytes: this.c.maxFrameBytes,
      }));
    } catch (e) {
      this.c.counters().received(0, bytes.length);
      return this.refuse(from, e instanceof FrameError ? e.reason : 'bad-payload', String((e as Error).message));
    }
    if (from !== this.c.id) this.c.counters().received(header.payloadLength, header.frameLength - header.payloadLength);
    if (header.sender !== from) return this.refuse(from, 'sender-mismatch', `frame claims sender ${header.sender}`);
    const kind = header.seq - 2 * header.round;
    if (kind !== KIND_MODEL && kind !== KIND_TRAINED)
      return this.refuse(from, 'bad-header', `seq ${header.seq} is not 2·round + kind`);
    return kind === KIND_MODEL ? this.onModel(from, header.round, values) : this.onTrained(from, header.round, values);
  }

  /**
   * A model to train in `round`: the first copy from any aggregator wins. The others are the
   * protocol's redundancy (every aggregator sends to every trainer), dropped without a rejection.
   */
  private onModel(from: string, round: number, values: Float32Array): boolean {
    if (round === this.trainedRound || this.training?.round === round) return false;
    const busy = this.training && this.training.round > round;
    if (round < this.trainedRound || busy) return this.refuse(from, 'stale', `already trained round ${round}`);
    // Equal is fine: as an aggregator of this round it may hear a trainer before its own model comes.
    if (round < this.latest)
      return this.refuse(from, 'stale', `round ${round}, this node has seen round ${this.latest}`);
    this.latest = round;
    this.c.counters().accepted++;
    this.c.params.set(values);
    this.train(round, this.c.clock.now());
    return true;
  }

  private train(round: number, startedAt: number): void {
    const token = ++this.trainToken;
    this.training = { round, token };
    this.c.setRound(round, 'training');
    this.c.learner.train(round, this.c.params, (loss) => {
      if (this.stopped || this.trainToken !== token) return;
      this.training = null;
      this.trainedRound = round;
      const frame = this.frame(KIND_TRAINED, round, this.c.params);
      const publishedAt = this.c.clock.now();
      this.c.setRound(round, 'collecting');
      this.handOver(round, 'aggregate', frame, () =>
        this.record({ round, role: 'trainer', startedAt, publishedAt, closedBy: 'quorum', trainLoss: loss, used: 0 }),
      );
    });
  }

  /** A model trained in `round`: this node aggregates that round. */
  private onTrained(from: string, round: number, values: Float32Array): boolean {
    if (round <= this.aggregatedRound || round < this.latest)
      return this.refuse(from, 'stale', `round ${round}, this node has seen round ${this.latest}`);
    this.latest = round;
    let agg = this.aggregations.get(round);
    if (!agg) {
      const timer = this.c.clock.schedule(this.cfg.timeoutMs, () => this.closeAggregation(round, 'deadline'));
      agg = { firstAt: this.c.clock.now(), models: new Map(), timer };
      this.aggregations.set(round, agg);
    }
    if (agg.models.has(from)) return this.refuse(from, 'duplicate', `second model from ${from} for round ${round}`);
    this.c.counters().accepted++;
    agg.models.set(from, values);
    if (agg.models.size >= this.cfg.trainers) this.closeAggregation(round, 'quorum');
    return true;
  }

  private closeAggregation(round: number, closedBy: 'quorum' | 'deadline'): void {
    const agg = this.aggregations.get(round);
    if (this.stopped || !agg) return;
    agg.timer();
    for (const [r, a] of this.aggregations) {
      if (r > round) continue;
      a.timer();
      this.aggregations.delete(r);
    }
    this.aggregatedRound = round;
    const x = new Float32Array(this.c.params.length);
    for (const m of agg.models.values()) for (let i = 0; i < x.length; i++) x[i] = x[i]! + m[i]! / agg.models.size;
    // The node's model becomes the round's aggregate, unless it is training a later round on it.
    if (!this.training) this.c.params.set(x);
    const rec: RecordFields = {
      round,
      role: 'aggregator',
      startedAt: agg.firstAt,
      publishedAt: this.c.clock.now(),
      closedBy,
      trainLoss: NaN,
      used: agg.models.size,
    };
    this.c.setRound(round, 'collecting');
    if (this.c.lastRound !== undefined && round >= this.c.lastRound) this.record(rec);
    else this.handOver(round + 1, 'train', this.frame(KIND_MODEL, round + 1, x), () => this.record(rec));
  }

  private record(r: RecordFields): void {
    const deadlineMs = r.role === 'aggregator' ? this.cfg.timeoutMs : undefined;
    this.c.record({
      node: this.c.id,
      closedAt: this.c.clock.now(),
      staleDropped: 0,
      ...(deadlineMs ? { deadlineMs } : {}),
      ...r,
    });
  }
}
