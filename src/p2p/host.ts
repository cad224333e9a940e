/**
 * The libp2p host: the one module that wires libp2p (TCP, Noise, Yamux, identify, gossipsub with
 * StrictSign, bootstrap / mDNS / optional kad-dht discovery). Everything else in the project talks
 * to the small `GossipHost` facade below, in peer-id strings and plain byte streams.
 */
import { gossipsub, type GossipSub } from '@chainsafe/libp2p-gossipsub';
import { defaultTopicScoreParams } from '@chainsafe/libp2p-gossipsub/score';
import { noise } from '@chainsafe/libp2p-noise';
import { autoNAT } from '@libp2p/autonat';
import { circuitRelayServer, circuitRelayTransport, type CircuitRelayService } from '@libp2p/circuit-relay-v2';
import { dcutr } from '@libp2p/dcutr';
import { preSharedKey } from '@libp2p/pnet';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { identify, type Identify } from '@libp2p/identify';
import { StrictSign, TopicValidatorResult, type ConnectionGater, type Message, type PeerDiscovery, type PrivateKey, type Stream } from '@libp2p/interface';
import { kadDHT } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { peerIdFromString } from '@libp2p/peer-id';
import { ping } from '@libp2p/ping';
import { prometheusMetrics } from '@libp2p/prometheus-metrics';
import { tcp } from '@libp2p/tcp';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { Registry } from 'prom-client';
import type { Uint8ArrayList } from 'uint8arraylist';
import { announceFilterFor } from './addresses.ts';

export interface HostOptions {
  readonly privateKey: PrivateKey;
  /** Multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/0; with any non-loopback one, loopback ones are not announced. */
  readonly listen: readonly string[];
  readonly announce?: readonly string[];
  /** Multiaddrs with /p2p/<id> dialled at start and remembered for redials. */
  readonly bootstrap: readonly string[];
  readonly mdns: boolean;
  readonly dht: boolean;
  /** Largest pubsub message accepted from the wire (gossipsub's default is 4 MiB). */
  readonly maxMessageBytes: number;
  /**
   * Let subscribers of a topic relay its messages to each other (a gossipsub mesh per topic).
   * Off: the publisher's flood publish reaches each subscriber directly and nothing is relayed.
   */
  readonly relay: boolean;
  /** Register libp2p's own metrics (bytes per protocol, connections) in this registry. */
  readonly metrics?: Registry;
  /** Namespaces the kad-dht protocol so only this application's nodes share a routing table. */
  readonly dhtProtocol?: string;
  /** Serve circuit relay v2 (a testnet bootstrap node): NATed peers reserve a slot and are reached through it. */
  readonly relayServer?: boolean;
  /** Circuit-relay client transport, autonat and dcutr: reach and be reached through relays, upgrade to direct when possible. */
  readonly natTraversal?: boolean;
  /** libp2p private network: the PSK file's bytes (/key/swarm/psk/1.0.0/); peers without the same key cannot connect. */
  readonly psk?: Uint8Array;
  /** Admission: only these peer ids may connect (either direction); unset: anyone. */
  readonly allowPeers?: readonly string[];
  /**
   * Simulates a node behind a strict NAT: direct dials only to these peers (the relays); anyone
   * else is dialled through a relay (/p2p-circuit) or not at all.
   */
  readonly directDialsOnlyTo?: readonly string[];
}

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

type Services = { identify: Identify; pubsub: GossipSub } & Record<string, unknown>;

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

/** The peer id at the end of a /p2p/<id> multiaddr (the relayed peer's, for a circuit address). */
export function peerOfAddr(addr: string): string | null {
  return /\/p2p\/([^/]+)$/.exec(addr)?.[1] ?? null;
}

function isCircuit(ma: Multiaddr): boolean {
  return ma.toString().includes('/p2p-circuit');
}

function gaterOf(o: HostOptions): ConnectionGater {
  const gater: ConnectionGater = {};
  if (o.allowPeers) {
    const allowed = new Set(o.allowPeers);
    const deny = (peer: { toString(): string }): boolean => !allowed.has(peer.toString());
    gater.denyInboundEncryptedConnection = deny;
    gater.denyOutboundEncryptedConnection = deny;
  }
  if (o.directDialsOnlyTo) {
    const direct = new Set(o.directDialsOnlyTo);
    gater.denyDialMultiaddr = (ma) => {
      const peer = peerOfAddr(ma.toString());
      return !isCircuit(ma) && (peer === null || !direct.has(peer));
    };
  }
  return gater;
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

export class GossipHost {
  readonly peerId: string;
  private readonly node: Libp2p<Services>;
  private readonly pubsub: GossipSub;

  private constructor(node: Libp2p<Services>) {
    this.node = node;
    this.pubsub = node.services.pubsub;
    this.peerId = node.peerId.toString();
  }

  static async create(o: HostOptions): Promise<GossipHost> {
    const discovery: Array<(components: never) => PeerDiscovery> = [];
    if (o.bootstrap.length > 0) discovery.push(bootstrap({ list: [...o.bootstrap], timeout: 50 }) as never);
    if (o.mdns) discovery.push(mdns({ serviceTag: 'gossiplearn.local' }) as never);
    const meshDegree = o.relay ? { D: 4, Dlo: 2, Dhi: 8, Dout: 1, Dscore: 2, Dlazy: 4 } : { D: 0, Dlo: 0, Dhi: 0, Dout: 0, Dscore: 0, Dlazy: 2 };
    const services: Record<string, unknown> = {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictSign,
        emitSelf: false,
        // Each node publishes on its own topic, which only its neighbours subscribe to: flooding
        // the publish reaches exactly them, so a node's bytes grow with its degree, not with n.
        floodPublish: true,
        allowPublishToZeroTopicPeers: true,
        ...meshDegree,
        maxInboundDataLength: o.maxMessageBytes,
        runOnLimitedConnection: true,
        scoreParams: {
          // Every peer of a loopback cluster or a LAN shares few IPs: no colocation penalty.
          IPColocationFactorWeight: 0,
        },
        scoreThresholds: { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: -80 },
      }),
    };
    if (o.relayServer) {
      // Learning updates are larger than the default relay limits (128 KiB, 2 min): relay unlimited.
      services.relay = circuitRelayServer({ reservations: { applyDefaultLimit: false, maxReservations: 1024 } });
    }
    if (o.natTraversal) {
      services.autonat = autoNAT();
      services.dcutr = dcutr();
    }
    if (o.dht) {
      services.ping = ping();
      services.dht = kadDHT({ protocol: o.dhtProtocol ?? '/gossiplearn/kad/1.0.0', clientMode: false });
    }
    const node = (await createLibp2p({
      privateKey: o.privateKey,
      addresses: {
        listen: [...o.listen],
        announce: o.announce ? [...o.announce] : undefined,
        announceFilter: announceFilterFor(o.listen),
      },
      transports: o.natTraversal ? [tcp(), circuitRelayTransport()] : [tcp()],
      connectionProtector: o.psk ? preSharedKey({ psk: o.psk }) : undefined,
      connectionGater: gaterOf(o),
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: discovery as never,
      services: services as never,
      metrics: o.metrics ? prometheusMetrics({ registry: o.metrics, collectDefaultMetrics: false, preserveExistingMetrics: true }) : undefined,
    })) as unknown as Libp2p<Services>;
    return new GossipHost(node);
  }

  addresses(): string[] {
    return this.node.getMultiaddrs().map((a) => a.toString());
  }

  /** How this node is connected to `peer`: directly, only through a relay, or not at all. */
  pathTo(peer: string): 'direct' | 'relayed' | 'none' {
    const conns = this.node.getConnections(peerIdFromString(peer));
    if (conns.length === 0) return 'none';
    return conns.some((c) => !isCircuit(c.remoteAddr)) ? 'direct' : 'relayed';
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
    await this.node.handle(protocol, ({ stream, connection }) => handler(toStream(stream, connection.remotePeer.toString())), { maxInboundStreams, runOnLimitedConnection: true });
  }

  async unhandle(protocol: string): Promise<void> {
    await this.node.unhandle(protocol);
  }

  async openStream(peer: string, protocol: string, signal: AbortSignal): Promise<ByteStream> {
    const stream = await this.node.dialProtocol(peerIdFromString(peer), protocol, { signal, runOnLimitedConnection: true });
    return toStream(stream, peer);
  }

  async stop(): Promise<void> {
    await this.node.stop();
  }
}
