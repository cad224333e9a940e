import { z } from 'zod';
import { peekFrameHeader } from '../compress/index.ts';
import type { SyncSnapshot, Transport } from '../core/interfaces.ts';
import type { TopologySchedule } from '../topology/index.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import type { EventQueue } from './event-queue.ts';

export const networkSpecSchema = z
  .object({
    /** Mean one-way latency; each link draws its own base latency (log-normal around the mean). */
    latencyMs: z.number().nonnegative().default(20),
    /** Per-message latency jitter as a fraction of the link's base latency. */
    jitter: z.number().min(0).max(5).default(0.2),
    /** Each node's uplink; copies of a message to k neighbours queue behind each other. */
    bandwidthMbps: z.number().positive().default(100),
    /** Probability that a message is lost. */
    loss: z.number().min(0).lt(1).default(0),
    /** Give up on a model-sync request after this long. */
    syncTimeoutMs: z.number().positive().default(5000),
    /** MoDeST: a probe of an unresponsive node gives up after this long. */
    probeTimeoutMs: z.number().positive().default(500),
  })
  .strict();

export type NetworkSpec = z.output<typeof networkSpecSchema>;

export function nodeId(index: number): string {
  return `n${index}`;
}

export interface NetworkStats {
  messages: number;
  lost: number;
  droppedAtDownNode: number;
  syncRequests: number;
  syncBytes: number;
}

/** Deterministic virtual network: per-link latency, per-node uplink bandwidth, loss, node up/down. */
export class VirtualNetwork {
  readonly stats: NetworkStats = { messages: 0, lost: 0, droppedAtDownNode: 0, syncRequests: 0, syncBytes: 0 };
  private readonly up: boolean[];
  private readonly uplinkFreeAt: Float64Array;
  private readonly handlers: Array<((from: string, frame: Uint8Array) => void) | undefined>;
  private readonly syncProviders: Array<(() => SyncSnapshot) | undefined>;
  private readonly linkLatency = new Map<number, number>();
  private readonly rng: Rng;
  private readonly queue: EventQueue;
  private readonly schedule: TopologySchedule;
  private readonly spec: NetworkSpec;
  private readonly seed: number;
  /** nodeId(i) for every node, made once: ids key the receivers' maps on every delivery. */
  private readonly ids: string[];

  constructor(queue: EventQueue, schedule: TopologySchedule, spec: NetworkSpec, seed: number) {
    this.queue = queue;
    this.schedule = schedule;
    this.spec = spec;
    this.seed = seed;
    this.rng = new Rng(deriveSeed(seed, 'network'));
    const n = schedule.n;
    this.up = new Array<boolean>(n).fill(false);
    this.uplinkFreeAt = new Float64Array(n);
    this.handlers = new Array(n);
    this.syncProviders = new Array(n);
    this.ids = Array.from({ length: n }, (_, i) => nodeId(i));
  }

  setUp(index: number, up: boolean): void {
    this.up[index] = up;
  }

  isUp(index: number): boolean {
    return this.up[index]!;
  }

  private baseLatency(a: number, b: number): number {
    const key = a < b ? a * this.schedule.n + b : b * this.schedule.n + a;
    let l = this.linkLatency.get(key);
    if (l === undefined) {
      const g = new Rng(deriveSeed(this.seed, 'link', key)).gaussian();
      l = this.spec.latencyMs * Math.exp(0.3 * g - 0.045);
      this.linkLatency.set(key, l);
    }
    return l;
  }

  /** Occupy `from`'s uplink for `bytes`; returns the arrival delay at `to` from now. */
  private transfer(from: number, to: number, bytes: number): number {
    const now = this.queue.now();
    const start = Math.max(now, this.uplinkFreeAt[from]!);
    const txMs = (bytes * 8) / (this.spec.bandwidthMbps * 1000);
    this.uplinkFreeAt[from] = start + txMs;
    const latency = this.baseLatency(from, to) * (1 + this.spec.jitter * Math.abs(this.rng.gaussian()));
    return start + txMs + latency - now;
  }

  /** Frames each node has sent (one per receiver). */
  readonly framesSentBy: number[] = [];

  private send(from: number, to: number, frame: Uint8Array): void {
    this.stats.messages++;
    this.framesSentBy[from] = (this.framesSentBy[from] ?? 0) + 1;
    const delay = this.transfer(from, to, frame.length);
    if (this.spec.loss > 0 && this.rng.next() < this.spec.loss) {
      this.stats.lost++;
      return;
    }
    this.queue.schedule(delay, () => {
      if (!this.up[to]) {
        this.stats.droppedAtDownNode++;
        return;
      }
      this.handlers[to]?.(this.ids[from]!, frame);
    });
  }

  private requestSync(from: number, peer: string, done: (r: SyncSnapshot | Error) => void): void {
    this.stats.syncRequests++;
    const target = Number(peer.slice(1));
    const timeout = (): void => done(new Error(`sync with ${peer} timed out`));
    if (!(target >= 0 && target < this.schedule.n) || !this.up[target] || !this.syncProviders[target]) {
      this.queue.schedule(this.spec.syncTimeoutMs, timeout);
      return;
    }
    const requestDelay = this.transfer(from, target, 64);
    this.queue.schedule(requestDelay, () => {
      const provider = this.syncProviders[target];
      if (!this.up[target] || !provider) return void this.queue.schedule(this.spec.syncTimeoutMs, timeout);
      const snap = provider();
      const bytes = 8 * snap.params.length + 64;
      this.stats.syncBytes += bytes;
      this.queue.schedule(this.transfer(target, from, bytes), () => {
        if (this.up[from]) done(snap);
      });
    });
  }

  /** A ping and its answer, or nothing until probeTimeoutMs when `peer` is down. */
  private probe(from: number, peer: string, done: (alive: boolean) => void): void {
    const target = Number(peer.slice(1));
    const timeout = (): void => done(false);
    const known = target >= 0 && target < this.schedule.n;
    if (!known || !this.up[target]) return void this.queue.schedule(this.spec.probeTimeoutMs, timeout);
    this.queue.schedule(this.transfer(from, target, 32), () => {
      if (!this.up[target]) return void this.queue.schedule(this.spec.probeTimeoutMs, timeout);
      this.queue.schedule(this.transfer(target, from, 32), () => {
        if (this.up[from]) done(true);
      });
    });
  }

  transportFor(index: number): Transport {
    const ids = (list: readonly number[]): string[] => list.map((i) => this.ids[i]!);
    const staticIn = this.schedule.timeVarying ? null : ids(this.schedule.inNeighboursAt(index, 0));
    return {
      selfId: nodeId(index),
      publish: (frame) => {
        if (!this.up[index]) return 0;
        // A static graph has the same targets every round: no need to parse the header for it.
        const round = this.schedule.timeVarying ? peekFrameHeader(frame).round : 0;
        const targets = this.schedule.neighboursAt(index, round);
        for (const t of targets) this.send(index, t, frame);
        return targets.length;
      },
      onFrame: (h) => {
        this.handlers[index] = h;
      },
      inNeighbours: (round) => staticIn ?? ids(this.schedule.inNeighboursAt(index, round)),
      degreeOf: (peer) =>
        this.schedule.timeVarying ? undefined : this.schedule.neighboursAt(Number(peer.slice(1)), 0).length,
      requestSync: (peer, done) => this.requestSync(index, peer, done),
      sendTo: (peers, frame) => {
        if (!this.up[index]) return 0;
        for (const p of peers) this.send(index, Number(p.slice(1)), frame);
        return peers.length;
      },
      probe: (peer, done) => this.probe(index, peer, done),
      serveSync: (provider) => {
        this.syncProviders[index] = provider;
      },
    };
  }
}
