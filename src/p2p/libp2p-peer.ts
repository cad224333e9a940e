/**
 * The small facade the rest of the project talks to (peer-id strings and plain byte streams) over
 * a running libp2p node with identify and gossipsub. No Node-only imports: the daemon's GossipHost
 * (host.ts, TCP) and the browser's host (WebSockets, WebRTC) are both this class.
 */
import { gossipsub, type GossipSub } from '@chainsafe/libp2p-gossipsub';
import { defaultTopicScoreParams } from '@chainsafe/libp2p-gossipsub/score';
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2';
import type { Identify } from '@libp2p/identify';
import { StrictSign, TopicValidatorResult, type Message, type Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Libp2p } from 'libp2p';
import type { Uint8ArrayList } from 'uint8arraylist';

export type Verdict = 'accept' | 'reject' | 'ignore';

/** A pubsub message after signature checks: `from` is the authenticated author (StrictSign). */
export interface PubsubMessage {
  readonly topic: string;
  readonly from: string;
  readonly data: Uint8Array;
}

/** A bidirectional byte stream to one peer (a libp2p protocol stream). */
export interface ByteStream {
  readonly remotePeer: string;
  readonly source: AsyncIterable<Uint8ArrayList | Uint8Array>;
  sink(source: AsyncIterable<Uint8ArrayList | Uint8Array> | Iterable<Uint8ArrayList | Uint8Array>): Promise<void>;
  close(): Promise<void>;
  /** Half-close: nothing more will be written, reading goes on. */
  closeWrite(): Promise<void>;
  abort(err: Error): void;
}

/** How a peer is reached; `webrtc` only occurs on browser nodes. */
export type PeerPath = 'direct' | 'webrtc' | 'relayed' | 'none';

export type Services = { identify: Identify; pubsub: GossipSub } & Record<string, unknown>;

const VERDICTS: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
};

/**
 * Score parameters for a per-sender topic: an invalid message costs its author (P4); delivery
 * counts are not required (P3 off), since a sender publishes once per round, not continuously.
 */
const topicScoreParams = {
  ...defaultTopicScoreParams,
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  firstMessageDeliveriesWeight: 0.5,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -1,
  invalidMessageDeliveriesDecay: 0.9,
};

/** Messages one RPC may carry in relay mode (an IWANT answer holds every message asked for). */
const RELAY_RPC_FRAMES = 16;

/** The peer id at the end of a /p2p/<id> multiaddr (the relayed peer's, for a circuit address). */
export function peerOfAddr(addr: string): string | null {
  return /\/p2p\/([^/]+)$/.exec(addr)?.[1] ?? null;
}

export function isCircuit(ma: Multiaddr): boolean {
  return ma.toString().includes('/p2p-circuit');
}

function isWebRTC(ma: Multiaddr): boolean {
  return ma.toString().includes('/webrtc');
}

/** The gossipsub service every node runs, daemon or browser: StrictSign, flood publish to each sender's topic. */
export function gossipsubService(o: { readonly maxMessageBytes: number; readonly relay: boolean }) {
  // Without relaying, IHAVE gossip only advertises what the flood publish already delivered, and the
  // IWANT answer it provokes carries every message asked for in one RPC: a few frames of a fast
  // round exceed maxInboundDataLength, and gossipsub drops a peer whose RPC is too long. No gossip
  // then; with relaying, where gossip repairs the mesh, an RPC may hold up to RELAY_RPC_FRAMES frames.
  const meshDegree = o.relay
    ? { D: 4, Dlo: 2, Dhi: 8, Dout: 1, Dscore: 2, Dlazy: 4 }
    : { D: 0, Dlo: 0, Dhi: 0, Dout: 0, Dscore: 0, Dlazy: 0, gossipFactor: 0 };
  return gossipsub({
    globalSignaturePolicy: StrictSign,
    emitSelf: false,
    // Each node publishes on its own topic, which only its neighbours subscribe to: flooding
    // the publish reaches exactly them, so a node's bytes grow with its degree, not with n.
    floodPublish: true,
    allowPublishToZeroTopicPeers: true,
    ...meshDegree,
    maxInboundDataLength: o.relay ? RELAY_RPC_FRAMES * o.maxMessageBytes : o.maxMessageBytes,
    runOnLimitedConnection: true,
    scoreParams: {
      // Every peer of a loopback cluster or a LAN shares few IPs: no colocation penalty.
      IPColocationFactorWeight: 0,
    },
    scoreThresholds: { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: -80 },
  });
}

function toStream(s: Stream, remotePeer: string): ByteStream {
  return {
    remotePeer,
    source: s.source,
    sink: (src) => s.sink(src),
    close: () => s.close(),
    closeWrite: () => s.closeWrite(),
    abort: (err) => s.abort(err),
  };
}

export class Libp2pPeer {
  readonly peerId: string;
  protected readonly node: Libp2p<Services>;
  private readonly pubsub: GossipSub;

  constructor(node: Libp2p<Services>) {
    this.node = node;
    this.pubsub = node.services.pubsub;
    this.peerId = node.peerId.toString();
  }

  addresses(): string[] {
    return this.node.getMultiaddrs().map((a) => a.toString());
  }

  /**
   * How this node is connected to `peer`: directly (TCP, WebSockets), over WebRTC (a browser's
   * direct link, signalled through a relay), only through a relay, or not at all.
   */
  pathTo(peer: string): PeerPath {
    const conns = this.node.getConnections(peerIdFromString(peer));
    if (conns.length === 0) return 'none';
    if (conns.some((c) => isWebRTC(c.remoteAddr))) return 'webrtc';
    return conns.some((c) => !isCircuit(c.remoteAddr)) ? 'direct' : 'relayed';
  }

  /** The remote addresses of this node's open connections to `peer`. */
  connectionAddrs(peer: string): string[] {
    return this.node.getConnections(peerIdFromString(peer)).map((c) => c.remoteAddr.toString());
  }

  /** Peers holding a reservation on this node's relay (0 when it is not a relay). */
  relayReservations(): number {
    return (this.node.services.relay as CircuitRelayService | undefined)?.reservations.size ?? 0;
  }

  connectedPeers(): string[] {
    return [...new Set(this.node.getConnections().map((c) => c.remotePeer.toString()))];
  }

  isConnected(peer: string): boolean {
    return this.node.getConnections(peerIdFromString(peer)).length > 0;
  }

  /**
   * Whether gossipsub keeps `peer` as one of its peers. It drops a peer whose stream failed (e.g. on
   * an oversized RPC) and takes it back only on a new connection, even while the old one stays open.
   */
  pubsubTracks(peer: string): boolean {
    return this.pubsub.getPeers().some((p) => p.toString() === peer);
  }

  /** Remember an address for a peer (e.g. from the bootstrap list) so it can be redialled by id. */
  async addAddress(peer: string, addr: string): Promise<void> {
    await this.node.peerStore.merge(peerIdFromString(peer), { multiaddrs: [multiaddr(addr)] });
  }

  /** Dial a peer by id (addresses from the peer store) or a full multiaddr. */
  async dial(target: string, signal?: AbortSignal): Promise<void> {
    await this.node.dial(target.startsWith('/') ? multiaddr(target) : peerIdFromString(target), { signal });
  }

  async hangUp(peer: string): Promise<void> {
    await this.node.hangUp(peerIdFromString(peer));
  }

  /** Protocols a peer announced through identify (empty when unknown). */
  async protocolsOf(peer: string): Promise<string[]> {
    try {
      return (await this.node.peerStore.get(peerIdFromString(peer))).protocols;
    } catch {
      return [];
    }
  }

  subscribe(topic: string): void {
    this.pubsub.score.params.topics[topic] = topicScoreParams;
    this.pubsub.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.pubsub.unsubscribe(topic);
  }

  subscriptions(): string[] {
    return this.pubsub.getTopics();
  }

  /** Peers known to subscribe to `topic`. */
  subscribers(topic: string): string[] {
    return this.pubsub.getSubscribers(topic).map((p) => p.toString());
  }

  /** Runs for every message on `topic` before it is delivered or forwarded; reject = invalid (score drops). */
  setValidator(topic: string, validate: (msg: PubsubMessage) => Verdict): void {
    this.pubsub.topicValidators.set(topic, (_propagationSource, msg: Message) => {
      if (msg.type !== 'signed') return TopicValidatorResult.Reject;
      return VERDICTS[validate({ topic: msg.topic, from: msg.from.toString(), data: msg.data })];
    });
  }

  removeValidator(topic: string): void {
    this.pubsub.topicValidators.delete(topic);
  }

  onMessage(handler: (msg: PubsubMessage) => void): void {
    this.pubsub.addEventListener('message', (evt) => {
      const msg = evt.detail;
      if (msg.type !== 'signed') return;
      handler({ topic: msg.topic, from: msg.from.toString(), data: msg.data });
    });
  }

  /** Publish; resolves to the number of peers the message was sent to. */
  async publish(topic: string, data: Uint8Array): Promise<number> {
    const r = await this.pubsub.publish(topic, data);
    return r.recipients.length;
  }

  /** The gossipsub score this node gives `peer` (negative after invalid messages). */
  score(peer: string): number {
    return this.pubsub.getScore(peer);
  }

  onPeer(event: 'connect' | 'disconnect' | 'discovery', handler: (peer: string) => void): void {
    if (event === 'discovery') this.node.addEventListener('peer:discovery', (evt) => handler(evt.detail.id.toString()));
    else this.node.addEventListener(`peer:${event}`, (evt) => handler(evt.detail.toString()));
  }

  async handle(protocol: string, handler: (stream: ByteStream) => void, maxInboundStreams = 16): Promise<void> {
    await this.node.handle(
      protocol,
      ({ stream, connection }) => handler(toStream(stream, connection.remotePeer.toString())),
      { maxInboundStreams, runOnLimitedConnection: true },
    );
  }

  async unhandle(protocol: string): Promise<void> {
    await this.node.unhandle(protocol);
  }

  async openStream(peer: string, protocol: string, signal: AbortSignal): Promise<ByteStream> {
    const stream = await this.node.dialProtocol(peerIdFromString(peer), protocol, {
      signal,
      runOnLimitedConnection: true,
    });
    return toStream(stream, peer);
  }

  async stop(): Promise<void> {
    await this.node.stop();
  }
}
