import { Command } from 'commander';
import { ConfigError } from '../util/validate.ts';

export function nodeCommand(): Command {
  return new Command('node')
    .description('run a learning node daemon on libp2p (gossip, state sync, checkpoints, /status and /metrics)')
    .requiredOption('-c, --config <file>', 'daemon config JSON (see README: "Running a node daemon / local cluster")')
    .option(
      '--exit-when-done',
      'exit once learning.rounds are done (default: keep serving sync and status until stopped)',
    )
    .action(async (o: { config: string; exitWhenDone?: boolean }) => {
      // Loaded on use: libp2p and tfjs are heavy, and other subcommands do not need them.
      const [
        { loadDaemonConfig },
        { DataDirLock },
        { Daemon },
        { createLogger },
        { IdentityError },
        { keepRunningOnStrayRejections, stopOnSignals },
        { daemonExtensionFor },
      ] = await Promise.all([
        import('../daemon/config.ts'),
        import('../daemon/data-dir.ts'),
        import('../daemon/daemon.ts'),
        import('../daemon/logger.ts'),
        import('../p2p/identity.ts'),
        import('../daemon/lifecycle.ts'),
        import('../testnet/daemon-membership.ts'),
      ]);
      const cfg = loadDaemonConfig(o.config);
      const lock = DataDirLock.acquire(cfg.dataDir, `${o.config}: dataDir`);
      const log = createLogger({ level: cfg.log.level, file: cfg.log.file, dataDir: cfg.dataDir });
      keepRunningOnStrayRejections(log);
      const daemon = await Daemon.start(cfg, log, lock, daemonExtensionFor(cfg)).catch((e: unknown) => {
        throw e instanceof IdentityError ? new ConfigError(e.message) : e;
      });
      const stop = stopOnSignals((reason) => daemon.stop(reason), log);
      if (o.exitWhenDone)
        daemon.whenFinished.then(
          () => stop('rounds done'),
          () => {},
        );
    });
}
