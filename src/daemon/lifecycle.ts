/** Process lifecycle for long-running commands: stop cleanly on SIGINT/SIGTERM, exit with the outcome. */
import type { Logger } from './logger.ts';

/** Log stray rejections instead of dying (a networking library's background task must not take the node down). */
export function keepRunningOnStrayRejections(log: Logger): void {
  process.on('unhandledRejection', (e) =>
    log.error({ err: e instanceof Error ? e.stack : String(e) }, 'unhandled rejection'),
  );
}

/** Stop on SIGINT/SIGTERM; returns the same stop-and-exit function for other reasons (e.g. work done). */
export function stopOnSignals(stop: (reason: string) => Promise<void>, log: Logger): (reason: string) => void {
  const exit = (reason: string): void => {
    stop(reason).then(
      () => process.exit(0),
      (e: Error) => {
        log.error({ err: e.stack }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => exit('SIGINT'));
  process.once('SIGTERM', () => exit('SIGTERM'));
  return exit;
}
