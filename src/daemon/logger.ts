/** Structured JSON-lines logs (pino), written synchronously so that a kill -9 loses nothing already logged. */
import { join } from 'node:path';
import { destination, pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(o: { level: string; file: boolean; dataDir: string }): Logger {
  const dest = destination({ dest: o.file ? join(o.dataDir, 'daemon.log') : 2, sync: true, mkdir: true });
  return pino({ level: o.level, base: { pid: process.pid } }, dest);
}
