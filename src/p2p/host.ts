/**
 * The daemon's libp2p host: wires libp2p for Node (TCP and WebSockets, Noise, Yamux, identify,
 * gossipsub with StrictSign, bootstrap / mDNS / optional kad-dht discovery). Everything else in the
 * project talks to the small facade it extends (libp2p-peer.ts), in peer-id strings and byte streams.
 * WebSockets (a /ws listen address) is how browser nodes reach a bootstrap or a daemon.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { autoNAT } from '@libp2p/autonat';
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { dcutr } from '@libp2p/dcutr';
import { preSharedKey } from '@libp2p/pnet';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { identify } from '@libp2p/identify';
import type { ConnectionGater, PeerDiscovery, PrivateKey } from '@libp2p/interface';
import { kadDHT } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { ping } from '@libp2p/ping';
import { prometheusMetrics } from '@libp2p/prometheus-metrics';
import { tcp } from '@libp2p/tcp';
import { webSockets } from '@libp2p/websockets';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { Registry } from 'prom-client';
import { announceFilterFor } from './addresses.ts';
import { gossipsubService, isCircuit, Libp2pPeer, peerOfAddr, type Services } from './libp2p-peer.ts';

export {
  Libp2pPeer,
  peerOfAddr,
  type ByteStream,
  type PeerPath,
  type PubsubMessage,
  type Verdict,
} from './libp2p-peer.ts';

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
  /**
   * Circuit-relay client transport, autonat and dcutr: reach and be reached through relays, upgrade to direct
   * when possible.
   */
  readonly natTraversal?: boolean;
  /** libp2p private network: the PSK file's bytes (/key/swarm/psk/1.0.0/); peers without the key cannot connect. */
  readonly psk?: Uint8Array;
  /** Admission: only these peer ids may connect (either direction); unset: anyone. */
  readonly allowPeers?: readonly string[];
  /**
   * Simulates a node behind a strict NAT: direct dials only to these peers (the relays); anyone
   * else is dialled through a relay (/p2p-circuit) or not at all.
   */
  readonly directDialsOnlyTo?: readonly string[];
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

export class GossipHost extends Libp2pPeer {
  static async create(o: HostOptions): Promise<GossipHost> {
    const discovery: Array<(components: never) => PeerDiscovery> = [];
    if (o.bootstrap.length > 0) discovery.push(bootstrap({ list: [...o.bootstrap], timeout: 50 }) as never);
    if (o.mdns) discovery.push(mdns({ serviceTag: 'gossiplearn.local' }) as never);
    const services: Record<string, unknown> = {
      identify: identify(),
      pubsub: gossipsubService(o),
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
      transports: o.natTraversal ? [tcp(), webSockets(), circuitRelayTransport()] : [tcp(), webSockets()],
      connectionProtector: o.psk ? preSharedKey({ psk: o.psk }) : undefined,
      connectionGater: gaterOf(o),
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: discovery as never,
      services: services as never,
      metrics: o.metrics
        ? prometheusMetrics({ registry: o.metrics, collectDefaultMetrics: false, preserveExistingMetrics: true })
        : undefined,
    })) as unknown as Libp2p<Services>;
    return new GossipHost(node);
  }
}
