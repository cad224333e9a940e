/**
 * The testnet plugged into a daemon (its DaemonExtension): update topics under the task hash, the task
 * named in the hello, NAT traversal, neighbours only among members on our task and protocol (learned
 * from status heartbeats), the `testnet` and `refused` /status fields and the /network page.
 */
import type { DaemonConfig } from '../daemon/config.ts';
import type { DaemonExtension, ExtensionContext, ExtensionStatus } from '../daemon/extension.ts';
import { jsonPage, type Page } from '../daemon/http.ts';
import type { Neighbours } from '../p2p/neighbours.ts';
import { taskNetwork } from './heartbeat.ts';
import { TestnetMember } from './member.ts';

/** The daemon config's `testnet` section (written by `gossiplearn testnet join` from a manifest). */
export type TestnetSection = NonNullable<DaemonConfig['testnet']>;

export class DaemonMembership implements DaemonExtension {
  readonly host: DaemonExtension['host'];
  readonly helloTask: string;
  private readonly network: string;
  private readonly t: TestnetSection;
  private member: TestnetMember | null = null;

  constructor(network: string, t: TestnetSection) {
    this.network = network;
    this.t = t;
    this.host = { natTraversal: t.natTraversal, directDialsOnlyToBootstrap: t.relayOnly };
    this.helloTask = t.taskHash;
  }

  topicNetwork(network: string): string {
    return taskNetwork(network, this.t.taskHash);
  }

  attach(ctx: ExtensionContext): void {
    this.member = new TestnetMember({
      host: ctx.host,
      network: this.network,
      taskHash: this.t.taskHash,
      protocolVersion: this.t.protocolVersion,
      heartbeatMs: this.t.heartbeatMs,
      log: ctx.log,
      summary: ctx.progress,
    });
  }

  admits(peer: string): boolean {
    return this.member?.admits(peer) ?? false;
  }

  start(neighbours: Neighbours): void {
    this.member?.start(neighbours);
  }

  stop(): void {
    this.member?.stop();
  }

  status(): ExtensionStatus {
    const { taskHash, protocolVersion, relayOnly } = this.t;
    return { testnet: { taskHash, protocolVersion, relayOnly }, refused: this.member?.refusedPeers() ?? [] };
  }

  pages(): Record<string, () => Promise<Page>> {
    const member = this.member;
    return member ? { '/network': async () => jsonPage(member.view.snapshot()) } : {};
  }
}

/** The extension a daemon with this config runs with: the testnet membership if it has a `testnet` section. */
export function daemonExtensionFor(cfg: DaemonConfig): DaemonMembership | null {
  return cfg.testnet ? new DaemonMembership(cfg.network, cfg.testnet) : null;
}
