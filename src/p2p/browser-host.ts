/**
 * A browser tab's libp2p host: WebSockets to bootstrap nodes and daemons (/ws addresses), circuit
 * relay v2 (a reservation on the bootstrap, so others reach the tab at <relay>/p2p-circuit/...),
 * and WebRTC between tabs and anyone else who speaks it, signalled through that relay. Gossipsub
 * and identify are configured exactly as on a daemon (libp2p-peer.ts): same topics, same scores.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify } from '@libp2p/identify';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { webRTC } from '@libp2p/webrtc';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { gossipsubService, Libp2pPeer, type Services } from './libp2p-peer.ts';

export interface BrowserHostOptions {
  readonly privateKey: PrivateKey;
  /** Bootstrap multiaddrs a browser can dial (/ws or /wss, ending in /p2p/<id>): also its relays. */
  readonly bootstrap: readonly string[];
  /** Largest pubsub message accepted from the wire. */
  readonly maxMessageBytes: number;
  /** STUN/TURN servers for WebRTC; none is enough on one host or a LAN. */
  readonly iceServers: readonly RTCIceServer[];
}

export class BrowserHost extends Libp2pPeer {
  static async create(o: BrowserHostOptions): Promise<BrowserHost> {
    const node = (await createLibp2p({
      privateKey: o.privateKey,
      // '/p2p-circuit' makes a reservation on a relay (the bootstrap); '/webrtc' accepts WebRTC
      // connections signalled over it.
      addresses: { listen: ['/p2p-circuit', '/webrtc'] },
      transports: [
        webSockets(),
        webRTC({ rtcConfiguration: { iceServers: [...o.iceServers] } }),
        circuitRelayTransport(),
      ],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // libp2p's browser default refuses to dial private and loopback addresses; a testnet on a
      // LAN or one machine needs them (admission is the bootstrap's and the manifest's job).
      connectionGater: { denyDialMultiaddr: () => false },
      peerDiscovery: o.bootstrap.length ? [bootstrap({ list: [...o.bootstrap], timeout: 50 })] : [],
      services: {
        identify: identify(),
        pubsub: gossipsubService({ maxMessageBytes: o.maxMessageBytes, relay: false }),
      },
    })) as unknown as Libp2p<Services>;
    return new BrowserHost(node);
  }

  /**
   * Dial by peer id preferring WebRTC: a peer known only through relay addresses (another tab)
   * gets a WebRTC link signalled through the relay rather than a relayed connection; a daemon's
   * /ws address is dialled directly. Falls back to libp2p's own choice.
   */
  override async dial(target: string, signal?: AbortSignal): Promise<void> {
    if (target.startsWith('/')) return super.dial(target, signal);
    const addrs = await this.knownAddrs(target);
    const direct = addrs.filter((a) => !a.includes('/p2p-circuit') && /\/wss?(\/|$)/.test(a));
    const rtc = addrs.filter((a) => a.includes('/p2p-circuit/webrtc'));
    for (const a of [...direct, ...rtc]) {
      try {
        await this.node.dial(multiaddr(a.endsWith(`/p2p/${target}`) ? a : `${a}/p2p/${target}`), { signal });
        return;
      } catch {
        if (signal?.aborted) throw signal.reason;
      }
    }
    return super.dial(target, signal);
  }

  private async knownAddrs(peer: string): Promise<string[]> {
    try {
      return (await this.node.peerStore.get(peerIdFromString(peer))).addresses.map((a) => a.multiaddr.toString());
    } catch {
      return [];
    }
  }
}
