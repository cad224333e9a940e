/**
 * The learning node's Transport over libp2p. Gossip design: one pubsub topic per sender,
 * `gl/<network>/u/<peerId>`. A node publishes only on its own topic and subscribes only to its
 * neighbours' topics, and the publish is flooded to the topic's subscribers: each update goes to
 * exactly the sender's neighbours, so bytes per node and round grow with its degree, not with n.
 * Full models go over the sync stream protocol: snapshots for joiners and resyncs, and keyframes
 * above `keyframeViaSyncBytes`, which are not published at all; each neighbour then sees a
 * sequence gap at the next update and pulls the same state (public copy + seq) over a stream.
 */
import { FrameError, peekFrameHeader, type FrameExpectation } from '../compress/index.ts';
import type { SyncSnapshot, Transport } from '../core/interfaces.ts';
import type { Libp2pPeer, PubsubMessage, Verdict } from './libp2p-peer.ts';
import type { Neighbours } from './neighbours.ts';
import { pushFrame, serveDirectFrames } from './direct-protocol.ts';
import { requestSnapshot, serveSnapshots, SyncError } from './sync-protocol.ts';

export function topicOf(network: string, peer: string): string {
  return `gl/${network}/u/${peer}`;
}

export interface P2PTransportOptions {
  readonly host: Libp2pPeer;
  readonly network: string;
  readonly neighbours: Neighbours;
  readonly expect: FrameExpectation;
  readonly syncTimeoutMs: number;
  /** Keyframes larger than this are left to the sync protocol instead of pubsub. */
  readonly keyframeViaSyncBytes: number;
  /** Frames pushed to this node over the direct protocol (MoDeST) above this size are refused. */
  readonly maxDirectFrameBytes?: number;
  /** Rejections the node never sees (the frame is not handed over), e.g. a message on someone else's topic. */
  readonly onReject: (from: string, reason: string, detail: string) => void;
  readonly onError: (what: string, err: Error) => void;
}

export interface TransportStats {
  publishes: number;
  publishFailures: number;
  /** Peers the publishes actually went to, summed. */
  recipients: number;
  syncRequests: number;
  syncFailures: number;
  syncServed: number;
  validatorRejects: number;
  /** Keyframes not published because they were too large for pubsub. */
  keyframesViaSync: number;
  /** Frames pushed to single peers (MoDeST), and pushes that failed. */
  directPushes: number;
  directFailures: number;
}

export class P2PTransport implements Transport {
  readonly selfId: string;
  /** Frames handed to the node, per sending peer (accepted or not). */
  readonly framesFrom = new Map<string, number>();
  /** Bytes of those frames, per sending peer. */
  readonly bytesFrom = new Map<string, number>();
  readonly stats: TransportStats = {
    publishes: 0,
    publishFailures: 0,
    recipients: 0,
    syncRequests: 0,
    syncFailures: 0,
    syncServed: 0,
    validatorRejects: 0,
    keyframesViaSync: 0,
    directPushes: 0,
    directFailures: 0,
  };
  private readonly o: P2PTransportOptions;
  private readonly ownTopic: string;
  private readonly prefix: string;
  private frameHandler: ((from: string, frame: Uint8Array) => void) | null = null;
  private provider: (() => SyncSnapshot) | null = null;

  constructor(o: P2PTransportOptions) {
    this.o = o;
    this.selfId = o.host.peerId;
    this.prefix = topicOf(o.network, '');
    this.ownTopic = topicOf(o.network, this.selfId);
    o.host.onMessage((m) => this.deliver(m));
    o.neighbours.onChange((added, removed) => {
      for (const p of removed) this.unfollow(p);
      for (const p of added) this.follow(p);
    });
  }

  /** Subscribe to the neighbours' topics and start serving sync requests. */
  async start(): Promise<void> {
    for (const p of this.o.neighbours.list()) this.follow(p);
    await serveSnapshots(
      this.o.host,
      () => {
        this.stats.syncServed++;
        return this.provider?.() ?? null;
      },
      (peer, err) => this.o.onError(`serving a snapshot to ${peer}`, err),
    );
    if (this.o.maxDirectFrameBytes === undefined) return;
    await serveDirectFrames(
      this.o.host,
      this.o.maxDirectFrameBytes,
      (from, frame) => {
        if (!this.o.neighbours.has(from)) return;
        this.framesFrom.set(from, (this.framesFrom.get(from) ?? 0) + 1);
        this.bytesFrom.set(from, (this.bytesFrom.get(from) ?? 0) + frame.length);
        this.frameHandler?.(from, frame);
      },
      (peer, err) => this.o.onError(`reading a frame pushed by ${peer}`, err),
    );
  }

  /** MoDeST: push `frame` to each of `peers` over its own stream. */
  sendTo(peers: readonly string[], frame: Uint8Array): number {
    for (const p of peers) {
      this.stats.directPushes++;
      pushFrame(this.o.host, p, frame, this.o.syncTimeoutMs).catch((e: Error) => {
        this.stats.directFailures++;
        this.o.onError(`pushing a frame to ${p}`, e);
      });
    }
    return peers.length;
  }

  /** MoDeST: a peer answers if a connection to it is open (libp2p keeps it alive with pings). */
  probe(peer: string, done: (alive: boolean) => void): void {
    const alive = this.o.host.isConnected(peer);
    queueMicrotask(() => done(alive));
  }

  private follow(peer: string): void {
    const topic = topicOf(this.o.network, peer);
    this.o.host.setValidator(topic, (m) => this.validate(m));
    this.o.host.subscribe(topic);
  }

  private unfollow(peer: string): void {
    const topic = topicOf(this.o.network, peer);
    this.o.host.unsubscribe(topic);
    this.o.host.removeValidator(topic);
  }

  /** Neighbours currently known to subscribe to this node's topic. */
  listeners(): string[] {
    return this.o.host.subscribers(this.ownTopic);
  }

  private ownerOf(topic: string): string | null {
    return topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : null;
  }

  /**
   * Gossipsub's topic validator: size, header and CRC, and that the frame's sender is the topic's
   * owner; the payload is left to the node, which decodes every frame once and rejects it by reason
   * (a frame accepted here can still be rejected there). An invalid frame is rejected (its author's
   * score drops and it is not forwarded) and still handed to the node, which counts and logs why.
   */
  private validate(m: PubsubMessage): Verdict {
    const owner = this.ownerOf(m.topic);
    if (owner !== m.from) {
      this.stats.validatorRejects++;
      this.o.onReject(m.from, 'wrong-topic', `message from ${m.from} on ${m.topic}`);
      return 'reject';
    }
    if (!this.o.neighbours.has(owner)) return 'ignore';
    try {
      if (peekFrameHeader(m.data, { maxBytes: this.o.expect.maxBytes }).sender === owner) return 'accept';
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
    }
    this.stats.validatorRejects++;
    this.frameHandler?.(m.from, m.data);
    return 'reject';
  }

  private deliver(m: PubsubMessage): void {
    if (this.ownerOf(m.topic) !== m.from || !this.o.neighbours.has(m.from)) return;
    this.framesFrom.set(m.from, (this.framesFrom.get(m.from) ?? 0) + 1);
    this.bytesFrom.set(m.from, (this.bytesFrom.get(m.from) ?? 0) + m.data.length);
    this.frameHandler?.(m.from, m.data);
  }

  publish(frame: Uint8Array): number {
    if (frame.length > this.o.keyframeViaSyncBytes && peekFrameHeader(frame).keyframe) {
      this.stats.keyframesViaSync++;
      return 0;
    }
    const expected = this.listeners().length;
    this.stats.publishes++;
    this.o.host.publish(this.ownTopic, frame).then(
      (n) => {
        this.stats.recipients += n;
      },
      (e: Error) => {
        this.stats.publishFailures++;
        this.o.onError('publish', e);
      },
    );
    return expected;
  }

  onFrame(handler: (from: string, frame: Uint8Array) => void): void {
    this.frameHandler = handler;
  }

  inNeighbours(_round: number): readonly string[] {
    return this.o.neighbours.list();
  }

  /** Peers do not announce their degree; the node falls back to its own (exact on regular graphs). */
  degreeOf(_peer: string): number | undefined {
    return undefined;
  }

  requestSync(peer: string, done: (result: SyncSnapshot | Error) => void): void {
    this.stats.syncRequests++;
    requestSnapshot(this.o.host, peer, this.o.expect, this.o.syncTimeoutMs)
      .then(done, (e: Error) => {
        this.stats.syncFailures++;
        done(e instanceof SyncError ? e : new SyncError('unreachable', e.message));
      })
      .catch((e: Error) => this.o.onError(`handling the sync from ${peer}`, e));
  }

  serveSync(provider: () => SyncSnapshot): void {
    this.provider = provider;
  }
}
