/** The network as heard through member heartbeats: peers, links, round, accuracy, bytes, rejections. */
import type { PeerPath } from '../p2p/libp2p-peer.ts';
import type { MemberBeat } from './heartbeat.ts';

export interface PeerView extends Omit<MemberBeat, 'kind' | 'v'> {
  readonly lastSeenMs: number;
}

export interface NetworkSnapshot {
  readonly network: string;
  readonly observer: string;
  readonly peers: Array<PeerView & { ageSeconds: number }>;
  /** Undirected neighbour links, each once (a < b), from the members' own neighbour lists. */
  readonly links: Array<{ a: string; b: string; path: PeerPath }>;
}

export class NetworkView {
  private readonly peers = new Map<string, PeerView>();
  private readonly network: string;
  private readonly observer: string;
  private readonly forgetAfterMs: number;

  constructor(network: string, observer: string, forgetAfterMs: number) {
    this.network = network;
    this.observer = observer;
    this.forgetAfterMs = forgetAfterMs;
  }

  note(b: MemberBeat, now = Date.now()): void {
    const { kind: _k, v: _v, ...rest } = b;
    this.peers.set(b.peerId, { ...rest, lastSeenMs: now });
  }

  /** Members heard recently (a crashed one drops out after forgetAfterMs). */
  live(now = Date.now()): PeerView[] {
    for (const [id, p] of this.peers) if (now - p.lastSeenMs > this.forgetAfterMs) this.peers.delete(id);
    return [...this.peers.values()];
  }

  snapshot(now = Date.now()): NetworkSnapshot {
    const peers = this.live(now).sort((x, y) => x.peerId.localeCompare(y.peerId));
    const links = new Map<string, { a: string; b: string; path: PeerPath }>();
    for (const p of peers)
      for (const n of p.neighbours) {
        const [a, b] = p.peerId < n.id ? [p.peerId, n.id] : [n.id, p.peerId];
        const prev = links.get(`${a} ${b}`);
        if (!prev || prev.path === 'none') links.set(`${a} ${b}`, { a, b, path: n.path });
      }
    return {
      network: this.network,
      observer: this.observer,
      peers: peers.map((p) => ({ ...p, ageSeconds: (now - p.lastSeenMs) / 1000 })),
      links: [...links.values()],
    };
  }
}
