/**
 * A daemon's testnet membership: gossips its status heartbeat, learns its peers' task hashes and
 * refuses those on another task (or protocol) as neighbours, with a log line and a /status entry,
 * and dials the members that bootstrap directories and heartbeats announce.
 */
import type { Libp2pPeer } from '../p2p/libp2p-peer.ts';
import type { Neighbours } from '../p2p/neighbours.ts';
import { encodeHeartbeat, every, listenHeartbeats, statusTopic, type Heartbeat, type MemberBeat } from './heartbeat.ts';
import { NetworkView } from './network-view.ts';

export interface MemberSummary {
  readonly round: number;
  readonly accuracy: number | null;
  readonly bytes: { sent: number; received: number };
  readonly accepted: number;
  readonly rejected: Record<string, number>;
}

/** The log calls a member makes (a pino Logger in a daemon, the page's log in a browser). */
export interface MemberLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface MemberOptions {
  readonly host: Libp2pPeer;
  readonly network: string;
  readonly taskHash: string;
  readonly protocolVersion: number;
  readonly heartbeatMs: number;
  /** What runs this member, shown in network views (a browser tab or a daemon). */
  readonly agent?: 'daemon' | 'browser';
  readonly summary: () => MemberSummary;
  readonly log: MemberLog;
}

export class TestnetMember {
  readonly view: NetworkView;
  private readonly o: MemberOptions;
  private neighbours: Neighbours | null = null;
  /** Peers whose heartbeat showed our task hash and protocol. */
  private readonly matching = new Set<string>();
  private readonly refused = new Map<string, string>();
  private stopBeats: (() => void) | null = null;

  constructor(o: MemberOptions) {
    this.o = o;
    this.view = new NetworkView(o.network, o.host.peerId, 5 * o.heartbeatMs);
  }

  /** Neighbour filter: only peers that announced the same task and protocol. */
  admits(peer: string): boolean {
    return this.matching.has(peer);
  }

  refusedPeers(): Array<{ peer: string; reason: string }> {
    return [...this.refused].map(([peer, reason]) => ({ peer, reason }));
  }

  start(neighbours: Neighbours): void {
    this.neighbours = neighbours;
    listenHeartbeats(this.o.host, this.o.network, (b) => this.onBeat(b));
    this.stopBeats = every(this.o.heartbeatMs, () => void this.beat());
  }

  stop(): void {
    this.stopBeats?.();
  }

  private onBeat(b: Heartbeat): void {
    const self = this.o.host.peerId;
    const learned = b.kind === 'directory' ? b.peers : [{ id: b.peerId, addrs: b.addrs }];
    for (const p of learned) if (p.id !== self) this.learn(p.id, p.addrs);
    if (b.kind !== 'member') return;
    this.view.note(b);
    const reason =
      b.v !== this.o.protocolVersion
        ? `protocol version ${b.v} ≠ ours ${this.o.protocolVersion}`
        : b.taskHash !== this.o.taskHash
          ? `task hash ${b.taskHash} ≠ ours ${this.o.taskHash}`
          : null;
    if (reason === null) {
      this.matching.add(b.peerId);
      if (this.refused.delete(b.peerId)) this.o.log.info({ peer: b.peerId }, 'testnet: peer now on our task, admitted');
      return;
    }
    this.matching.delete(b.peerId);
    if (this.refused.get(b.peerId) !== reason)
      this.o.log.warn({ peer: b.peerId, reason }, `testnet: refusing to merge with ${b.peerId}: ${reason}`);
    this.refused.set(b.peerId, reason);
  }

  private learn(peer: string, addrs: readonly string[]): void {
    for (const a of addrs) this.o.host.addAddress(peer, a).catch(() => {});
    this.neighbours?.discover(peer);
  }

  private async beat(): Promise<void> {
    const s = this.o.summary();
    const nb = this.neighbours?.list() ?? [];
    const beat: MemberBeat = {
      kind: 'member',
      v: this.o.protocolVersion,
      agent: this.o.agent ?? 'daemon',
      peerId: this.o.host.peerId,
      taskHash: this.o.taskHash,
      round: s.round,
      accuracy: s.accuracy,
      bytes: s.bytes,
      accepted: s.accepted,
      rejected: s.rejected,
      refused: [...this.refused.keys()].slice(0, 256),
      neighbours: nb.slice(0, 256).map((id) => ({ id, path: this.o.host.pathTo(id) })),
      addrs: this.o.host.addresses().slice(0, 32),
    };
    // Our own heartbeat is not echoed back: note it directly so our /network shows us too.
    this.view.note(beat);
    try {
      await this.o.host.publish(statusTopic(this.o.network), encodeHeartbeat(beat));
    } catch (e) {
      this.o.log.debug({ err: (e as Error).message }, 'testnet: heartbeat not sent');
    }
  }
}
