/**
 * A testnet bootstrap node: a libp2p host with circuit relay v2 (server), identify and kad-dht
 * (server), the manifest's admission rules, and no learning. It listens to the members' status
 * heartbeats, serves them as the network view (/network, /dashboard) and publishes a directory of
 * the members it hears, so joiners that only know the bootstrap find each other.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { promtoolCompatible } from '../daemon/exposition.ts';
import { FILES, type DaemonInfo } from '../daemon/files.ts';
import { jsonPage, StatusServer } from '../daemon/http.ts';
import type { Logger } from '../daemon/logger.ts';
import { LOOPBACK_LISTEN, onAllInterfaces, reachableFromOtherHosts } from '../p2p/addresses.ts';
import { GossipHost, peerOfAddr } from '../p2p/host.ts';
import { loadOrCreateIdentity } from '../p2p/identity.ts';
import { readPskFile } from '../p2p/psk.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { DASHBOARD_HTML } from '../daemon/dashboard.ts';
import { encodeHeartbeat, every, listenHeartbeats, statusTopic } from './heartbeat.ts';
import { joinPages, joinPagesAvailable } from './join-pages.ts';
import { withWebSocketListeners } from '../p2p/ws-listen.ts';
import type { Manifest } from './manifest.ts';
import { NetworkView } from './network-view.ts';

export interface BootstrapOptions {
  readonly manifest: Manifest;
  readonly dataDir: string;
  /** Listen addresses; default: this node's entry in the manifest's bootstrap list, else any loopback port. */
  readonly listen?: readonly string[];
  readonly http: { host: string; port: number };
  readonly log: Logger;
}

/** The manifest's bootstrap addresses for `peerId`, without the /p2p/<id> suffix. */
export function ownBootstrapAddrs(m: Manifest, peerId: string): string[] {
  return m.bootstrap.filter((a) => peerOfAddr(a) === peerId).map((a) => a.slice(0, a.lastIndexOf('/p2p/')));
}

/** Admission from a manifest: the allow-list (plus every bootstrap node and this node) and the PSK. */
export function admissionOf(m: Manifest, self: string): { allowPeers?: string[]; psk?: Uint8Array } {
  const bootstrapPeers = m.bootstrap.map(peerOfAddr).filter((p): p is string => p !== null);
  return {
    allowPeers: m.admission.allowPeers ? [...m.admission.allowPeers, ...bootstrapPeers, self] : undefined,
    psk: m.pskPath ? readPskFile(m.pskPath) : undefined,
  };
}

/** What a bootstrap node's `GET /status` answers (the dashboard tells it from a daemon's by `role`). */
export interface BootstrapStatus {
  readonly role: 'bootstrap';
  readonly peerId: string;
  readonly network: string;
  readonly testnet: { readonly taskHash: string; readonly protocolVersion: number };
  readonly addresses: readonly string[];
  readonly http: string;
  readonly connectedPeers: number;
  readonly relayReservations: number;
  /** Members heard from recently. */
  readonly members: number;
  readonly uptimeSeconds: number;
}

export class BootstrapNode {
  readonly host: GossipHost;
  readonly view: NetworkView;
  private readonly o: BootstrapOptions;
  private readonly http: StatusServer;
  private readonly stopBeats: () => void;
  private readonly startedAt = Date.now();
  private httpUrl = '';

  private constructor(o: BootstrapOptions, host: GossipHost, registry: Registry) {
    this.o = o;
    this.host = host;
    const m = o.manifest;
    this.view = new NetworkView(m.network, host.peerId, 5 * m.heartbeatMs);
    listenHeartbeats(host, m.network, (b) => {
      if (b.kind === 'member') this.view.note(b);
    });
    this.stopBeats = every(m.heartbeatMs, () => void this.publishDirectory());
    this.http = new StatusServer({
      host: o.http.host,
      port: o.http.port,
      status: async () => this.status(),
      metrics: async () => ({ contentType: registry.contentType, body: promtoolCompatible(await registry.metrics()) }),
      onError: (err) => o.log.warn({ err: err.message }, 'http handler failed'),
      pages: {
        '/dashboard': async () => ({ contentType: 'text/html; charset=utf-8', body: DASHBOARD_HTML }),
        '/network': async () => jsonPage(this.view.snapshot()),
        ...joinPages({ manifest: m, addresses: () => host.addresses() }),
      },
    });
  }

  static async start(o: BootstrapOptions): Promise<BootstrapNode> {
    mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
    const identity = await loadOrCreateIdentity(join(o.dataDir, FILES.key));
    const m = o.manifest;
    const own = ownBootstrapAddrs(m, identity.peerId);
    // On its manifest entry's port, on every interface when that entry is on the network (the host
    // may not own the announced IP, e.g. behind 1:1 NAT), announcing exactly the manifest's address.
    const multiHost = !o.listen?.length && own.some(reachableFromOtherHosts);
    const fallback = own.length ? own : [LOOPBACK_LISTEN];
    // Browser nodes reach the bootstrap over WebSockets: a /ws listener next to each TCP one.
    const listen = withWebSocketListeners(
      o.listen?.length ? [...o.listen] : multiHost ? own.map(onAllInterfaces) : fallback,
    );
    const registry = new Registry();
    const host = await GossipHost.create({
      privateKey: identity.privateKey,
      listen,
      announce: multiHost ? own : undefined,
      bootstrap: m.bootstrap.filter((a) => peerOfAddr(a) !== identity.peerId),
      mdns: false,
      dht: true,
      dhtProtocol: `/gossiplearn/${m.network}/kad/1.0.0`,
      relayServer: true,
      maxMessageBytes: 1 << 20,
      relay: false,
      metrics: registry,
      ...admissionOf(m, identity.peerId),
    });
    const node = new BootstrapNode(o, host, registry);
    node.httpUrl = await node.http.listen();
    const info: DaemonInfo = {
      pid: process.pid,
      peerId: host.peerId,
      addresses: host.addresses(),
      http: node.httpUrl,
      startedAt: node.startedAt,
    };
    writeFileAtomic(join(o.dataDir, FILES.info), JSON.stringify(info, null, 2) + '\n');
    o.log.info(
      {
        peerId: host.peerId,
        addresses: info.addresses,
        http: node.httpUrl,
        dashboard: `${node.httpUrl}/dashboard`,
        join: `${node.httpUrl}/join`,
        network: m.network,
        taskHash: m.taskHash,
      },
      'bootstrap node listening',
    );
    if (!joinPagesAvailable()) o.log.warn('the browser node is not built: /join asks to run `npm run build:web`');
    return node;
  }

  status(): BootstrapStatus {
    const m = this.o.manifest;
    return {
      role: 'bootstrap',
      peerId: this.host.peerId,
      network: m.network,
      testnet: { taskHash: m.taskHash, protocolVersion: m.protocolVersion },
      addresses: this.host.addresses(),
      http: this.httpUrl,
      connectedPeers: this.host.connectedPeers().length,
      relayReservations: this.host.relayReservations(),
      members: this.view.live().length,
      uptimeSeconds: (Date.now() - this.startedAt) / 1000,
    };
  }

  private async publishDirectory(): Promise<void> {
    const peers = this.view.live().map((p) => ({ id: p.peerId, addrs: p.addrs }));
    try {
      await this.host.publish(
        statusTopic(this.o.manifest.network),
        encodeHeartbeat({
          kind: 'directory',
          v: this.o.manifest.protocolVersion,
          peerId: this.host.peerId,
          peers: peers.slice(0, 256),
        }),
      );
    } catch (e) {
      this.o.log.debug({ err: (e as Error).message }, 'directory not sent');
    }
  }

  async stop(): Promise<void> {
    this.stopBeats();
    await this.http.close();
    await this.host.stop();
    this.o.log.info('bootstrap node stopped');
  }
}
