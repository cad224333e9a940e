import { ChocoReceiver } from '../compress/index.ts';

/** What a node knows of one neighbour: its public copy (CHOCO) or latest model (direct), and freshness. */
export interface PeerState {
  /** CHOCO mode: x̂_j, advanced by every delta. */
  choco?: ChocoReceiver;
  /** Direct mode: the last decoded model. */
  latest?: Float32Array;
  latestSeq: number;
  /** Training round of the last update folded in (−∞ before any). */
  lastRound: number;
  /** Clock time of the last accepted update or resync (−∞ before any). */
  lastHeardAt: number;
  /** Rounds in a row that closed by deadline without a word from this peer. */
  missedDeadlines: number;
  syncing: boolean;
}

export class Inbox {
  private readonly peers = new Map<string, PeerState>();
  readonly d: number;

  constructor(d: number) {
    this.d = d;
  }

  get(peer: string): PeerState | undefined {
    return this.peers.get(peer);
  }

  getOrCreate(peer: string): PeerState {
    let s = this.peers.get(peer);
    if (!s) {
      s = { latestSeq: 0, lastRound: -Infinity, lastHeardAt: -Infinity, missedDeadlines: 0, syncing: false };
      this.peers.set(peer, s);
    }
    return s;
  }

  /** Give every peer a CHOCO public copy starting at `initial` (all nodes agreed on it beforehand). */
  seedChoco(peers: readonly string[], initial: Float32Array): void {
    for (const p of peers) this.getOrCreate(p).choco = new ChocoReceiver(this.d, initial, 0);
  }

  /** Give each peer for which `initialOf` knows one its own CHOCO public copy (e.g. built from its init seed). */
  seedChocoFrom(peers: readonly string[], initialOf: (peer: string) => Float32Array | undefined): void {
    for (const p of peers) {
      const initial = initialOf(p);
      if (initial) this.getOrCreate(p).choco = new ChocoReceiver(this.d, initial, 0);
    }
  }

  /** The vector to aggregate for a peer, or undefined if it has none usable. */
  modelOf(peer: string): Float32Array | undefined {
    const s = this.peers.get(peer);
    if (!s) return undefined;
    if (s.choco) return s.choco.needsResync ? undefined : s.choco.publicCopy;
    return s.latest;
  }

  /** Bytes of the neighbours' vectors held (public copies or latest models). */
  bytes(): number {
    let total = 0;
    for (const s of this.peers.values()) total += (s.choco?.publicCopy.byteLength ?? 0) + (s.latest?.byteLength ?? 0);
    return total;
  }

  forget(peer: string): void {
    this.peers.delete(peer);
  }

  /**
   * Free what is kept of departed peers: not among `neighbours` any more, no resync under way, and
   * nothing from them at or after round `oldestUsable` (it would be dropped as stale anyway).
   * A peer that comes back starts afresh (CHOCO: it resyncs). Returns how many were forgotten.
   */
  pruneDeparted(neighbours: readonly string[], oldestUsable: number): number {
    if (this.peers.size <= neighbours.length && neighbours.every((p) => this.peers.has(p))) return 0;
    let forgotten = 0;
    for (const [peer, s] of this.peers) {
      if (neighbours.includes(peer) || s.syncing || s.lastRound >= oldestUsable) continue;
      this.forget(peer);
      forgotten++;
    }
    return forgotten;
  }
}
