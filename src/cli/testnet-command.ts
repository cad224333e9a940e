import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../util/validate.ts';
import { parseIntOption } from './options.ts';

interface BootstrapCli {
  dataDir: string;
  listen?: string[];
  httpHost: string;
  httpPort: number;
  logLevel: string;
}

interface JoinCli {
  dataDir: string;
  shard?: number;
  listen?: string[];
  relayOnly?: boolean;
  httpHost: string;
  httpPort: number;
  rounds: number;
  maxNeighbours?: number;
  exitWhenDone?: boolean;
  logLevel: string;
}

/** Loaded on use: libp2p and tfjs are heavy. An unusable key file is a user error like a bad config. */
async function loadCommon() {
  const [{ loadManifest }, { createLogger }, lifecycle, { IdentityError }, { DataDirLock }] = await Promise.all([
    import('../testnet/manifest.ts'),
    import('../daemon/logger.ts'),
    import('../daemon/lifecycle.ts'),
    import('../p2p/identity.ts'),
    import('../daemon/data-dir.ts'),
  ]);
  const asConfigError = (e: unknown): never => {
    throw e instanceof IdentityError ? new ConfigError(e.message) : e;
  };
  return { loadManifest, createLogger, lifecycle, asConfigError, DataDirLock };
}

function bootstrapCommand(): Command {
  return new Command('bootstrap')
    .description('run a bootstrap node: circuit relay v2 server, identify, kad-dht server, network view and dashboard')
    .argument('<manifest>', 'testnet manifest JSON (see testnets/)')
    .option('-d, --data-dir <dir>', 'holds peer.key and daemon.json', 'testnet-bootstrap')
    .option(
      '--listen <multiaddr...>',
      'listen addresses (default: its bootstrap-list entry), plus /ws twins for browsers',
    )
    .option('--http-host <host>', 'status/dashboard HTTP host', '127.0.0.1')
    .option('--http-port <port>', 'status/dashboard HTTP port (0: any free one)', parseIntOption('--http-port', 0), 0)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace', 'info')
    .action(async (file: string, o: BootstrapCli) => {
      const { loadManifest, createLogger, lifecycle, asConfigError, DataDirLock } = await loadCommon();
      const manifest = loadManifest(file);
      const dataDir = resolve(o.dataDir);
      const lock = DataDirLock.acquire(dataDir, '--data-dir');
      const log = createLogger({ level: o.logLevel, file: false, dataDir });
      lifecycle.keepRunningOnStrayRejections(log);
      const { BootstrapNode } = await import('../testnet/bootstrap.ts');
      const node = await BootstrapNode.start({
        manifest,
        dataDir,
        listen: o.listen,
        http: { host: o.httpHost, port: o.httpPort },
        log,
      }).catch(asConfigError);
      lifecycle.stopOnSignals(async () => {
        await node.stop();
        lock.release();
      }, log);
      const addr = node.host.addresses().find((a) => a.includes('/tcp/')) ?? node.host.addresses()[0];
      console.log(`bootstrap ${node.host.peerId}\naddress ${addr}\ndashboard ${node.status().http}/dashboard`);
      console.log(`join in a browser ${node.status().http}/join`);
    });
}

function joinCommand(): Command {
  return new Command('join')
    .description(
      'join a testnet: a learning daemon configured from the manifest, with autonat, circuit-relay client and dcutr',
    )
    .argument('<manifest>', 'testnet manifest JSON (see testnets/)')
    .option('-d, --data-dir <dir>', 'holds peer.key, checkpoints, rounds.jsonl and daemon.json', 'testnet-node')
    .option(
      '--shard <i>',
      "this node's shard of the task's partition (default: derived from its peer id)",
      parseIntOption('--shard', 0),
    )
    .option(
      '--listen <multiaddr...>',
      'listen addresses (default: /ip4/0.0.0.0/tcp/0 if a bootstrap node is on another host, ' +
        'else /ip4/127.0.0.1/tcp/0)',
    )
    .option('--relay-only', 'behave as if behind a strict NAT: no listen address, reachable only through the relay')
    .option('--http-host <host>', 'status/dashboard HTTP host', '127.0.0.1')
    .option('--http-port <port>', 'status/dashboard HTTP port (0: any free one)', parseIntOption('--http-port', 0), 0)
    .option('--rounds <n>', 'stop training after n rounds (0: until stopped)', parseIntOption('--rounds', 0), 0)
    .option('--max-neighbours <n>', 'neighbours to gossip with', parseIntOption('--max-neighbours', 1))
    .option('--exit-when-done', 'exit once the rounds are done')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace', 'info')
    .action(async (file: string, o: JoinCli) => {
      const { loadManifest, createLogger, lifecycle, asConfigError, DataDirLock } = await loadCommon();
      const [{ parseDaemonConfig }, { Daemon }, { joinConfig }, { loadOrCreateIdentity }, { FILES }, membership] =
        await Promise.all([
          import('../daemon/config.ts'),
          import('../daemon/daemon.ts'),
          import('../testnet/join-config.ts'),
          import('../p2p/identity.ts'),
          import('../daemon/files.ts'),
          import('../testnet/daemon-membership.ts'),
        ]);
      const manifest = loadManifest(file);
      const dataDir = resolve(o.dataDir);
      if (o.shard !== undefined && o.shard >= manifest.shards)
        throw new ConfigError(`--shard: must be below the manifest's ${manifest.shards} shards, got ${o.shard}`);
      const lock = DataDirLock.acquire(dataDir, '--data-dir');
      const identity = await loadOrCreateIdentity(resolve(dataDir, FILES.key)).catch(asConfigError);
      const raw = joinConfig(manifest, {
        dataDir,
        shard: o.shard,
        peerId: identity.peerId,
        listen: o.listen,
        relayOnly: o.relayOnly === true,
        http: { host: o.httpHost, port: o.httpPort },
        rounds: o.rounds,
        logLevel: o.logLevel,
        maxNeighbours: o.maxNeighbours,
      });
      const cfg = parseDaemonConfig(raw, `${file} (as joined)`);
      const log = createLogger({ level: cfg.log.level, file: false, dataDir });
      lifecycle.keepRunningOnStrayRejections(log);
      log.info(
        {
          manifest: resolve(file),
          network: manifest.network,
          taskHash: manifest.taskHash,
          shard: cfg.learning.partitionIndex,
        },
        'joining testnet',
      );
      const daemon = await Daemon.start(cfg, log, lock, membership.daemonExtensionFor(cfg)).catch(asConfigError);
      const exit = lifecycle.stopOnSignals((reason) => daemon.stop(reason), log);
      if (o.exitWhenDone)
        daemon.whenFinished.then(
          () => exit('rounds done'),
          () => {},
        );
    });
}

export function testnetCommand(): Command {
  return new Command('testnet')
    .description('join a shared testnet (manifests in testnets/) or run one of its bootstrap nodes')
    .addCommand(bootstrapCommand())
    .addCommand(joinCommand());
}
