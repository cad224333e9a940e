/**
 * Who a node gossips with, and keeping connections to them. Either a fixed list of peer ids (from
 * the config) or "auto": every connected peer that proved itself by the hello handshake (same
 * network, model spec, task and protocol version), up to a cap; merely listing the sync protocol
 * is not enough. A background loop redials missing neighbours with backoff, so the mesh heals
 * after a crash, and reconnects a neighbour that gossipsub dropped while its connection stayed open.
 */
import type { HelloGate } from './hello-gate.ts';
import { HELLO_PROTOCOL } from './hello-protocol.ts';
import type { Libp2pPeer } from './libp2p-peer.ts';
import { unrefTimer } from '../util/unref-timer.ts';

export interface NeighbourOptions {
  /** Peer ids, or 'auto'. */
  readonly peers: readonly string[] | 'auto';
  readonly maxNeighbours: number;
  /** How often to look for missing neighbours (ms). */
  readonly checkEveryMs: number;
  readonly maxBackoffMs: number;
  /** Auto mode: only peers this accepts become neighbours (e.g. a testnet's matching task hash). */
  readonly admit?: (peer: string) => boolean;
  /** Auto mode: the handshake a connected peer must pass first. */
  readonly gate?: HelloGate;
  /** Called when a connected neighbour is hung up on because gossipsub no longer tracks it. */
  readonly onReconnect?: (peer: string) => void;
}

/** Checks in a row that must find a connected neighbour untracked before it is reconnected. */
const UNTRACKED_CHECKS = 3;

interface DialState {
  failures: number;
  nextAt: number;
  dialing: boolean;
}

export class Neighbours {
  private readonly host: Libp2pPeer;
  private readonly o: NeighbourOptions;
  private current: string[];
  private readonly dials = new Map<string, DialState>();
  private readonly discovered = new Set<string>();
  private readonly listeners: Array<(added: string[], removed: string[]) => void> = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Consecutive checks that found a neighbour connected but not among gossipsub's peers. */
  private readonly untracked = new Map<string, number>();

  constructor(host: Libp2pPeer, o: NeighbourOptions) {
    this.host = host;
    this.o = o;
    this.current = o.peers === 'auto' ? [] : [...new Set(o.peers)].filter((p) => p !== host.peerId).sort();
    if (o.peers === 'auto') {
      if (!o.gate) throw new Error('neighbours: auto mode needs the hello gate');
      host.onPeer('discovery', (p) => this.discovered.add(p));
      // Take a peer on as soon as it proves itself, not at the next check.
      o.gate.onProven(() => void this.tick());
    }
  }

  get auto(): boolean {
    return this.o.peers === 'auto';
  }

  list(): readonly string[] {
    return this.current;
  }

  has(peer: string): boolean {
    return this.current.includes(peer);
  }

  connected(): string[] {
    return this.current.filter((p) => this.host.isConnected(p));
  }

  /** A peer learned of outside libp2p's discovery (e.g. a testnet directory): dialled in auto mode. */
  discover(peer: string): void {
    if (peer !== this.host.peerId) this.discovered.add(peer);
  }

  onChange(fn: (added: string[], removed: string[]) => void): void {
    this.listeners.push(fn);
  }

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.o.checkEveryMs);
    unrefTimer(this.timer);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.auto) await this.refreshAuto();
    const wanted = this.auto
      ? [...this.discovered]
          .filter((p) => !this.has(p))
          .slice(0, Math.max(0, this.o.maxNeighbours - this.current.length))
      : this.current;
    for (const p of wanted) if (!this.host.isConnected(p)) this.redial(p);
    this.reconnectUntracked();
  }

  /**
   * A neighbour gossipsub dropped (its stream failed) stays connected and exchanges nothing, for
   * good: gossipsub only takes a peer back on a new connection. Hang up; the redial makes one.
   */
  private reconnectUntracked(): void {
    for (const p of this.untracked.keys()) if (!this.has(p)) this.untracked.delete(p);
    for (const p of this.current) {
      if (!this.host.isConnected(p) || this.host.pubsubTracks(p)) {
        this.untracked.delete(p);
        continue;
      }
      const checks = (this.untracked.get(p) ?? 0) + 1;
      if (checks < UNTRACKED_CHECKS) {
        this.untracked.set(p, checks);
        continue;
      }
      this.untracked.delete(p);
      this.o.onReconnect?.(p);
      this.host.hangUp(p).catch(() => undefined);
    }
  }

  private redial(peer: string): void {
    const s = this.dials.get(peer) ?? { failures: 0, nextAt: 0, dialing: false };
    this.dials.set(peer, s);
    const now = Date.now();
    if (s.dialing || now < s.nextAt) return;
    s.dialing = true;
    this.host
      .dial(peer, AbortSignal.timeout(Math.max(1000, this.o.maxBackoffMs)))
      .then(() => {
        s.failures = 0;
      })
      .catch(() => {
        s.failures++;
        s.nextAt = Date.now() + Math.min(this.o.maxBackoffMs, 250 * 2 ** Math.min(s.failures, 10));
      })
      .finally(() => {
        s.dialing = false;
      });
  }

  /**
   * Auto mode: the connected peers that passed the handshake, keeping existing neighbours first, up
   * to the cap; a connected peer that lists the hello protocol but has not passed is asked to.
   */
  private async refreshAuto(): Promise<void> {
    const candidates: string[] = [];
    const admit = this.o.admit ?? (() => true);
    const gate = this.o.gate!;
    for (const p of this.host.connectedPeers().sort()) {
      if (!admit(p)) continue;
      if (gate.isProven(p)) candidates.push(p);
      else if ((await this.host.protocolsOf(p)).includes(HELLO_PROTOCOL)) gate.check(p);
    }
    const kept = this.current.filter((p) => candidates.includes(p));
    const extra = candidates.filter((p) => !kept.includes(p)).slice(0, Math.max(0, this.o.maxNeighbours - kept.length));
    const next = [...kept, ...extra].sort();
    const added = next.filter((p) => !this.current.includes(p));
    const removed = this.current.filter((p) => !next.includes(p));
    if (added.length === 0 && removed.length === 0) return;
    this.current = next;
    for (const fn of this.listeners) fn(added, removed);
  }
}
