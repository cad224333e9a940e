/**
 * A daemon's dataDir, opened before anything else touches it: created if missing, proven writable,
 * and locked so that a second daemon pointed at it refuses to start instead of moving the first
 * one's checkpoint aside and overwriting its daemon.json. Every problem is a one-line ConfigError.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../util/validate.ts';

export const LOCK_FILE = 'daemon.lock';

interface LockContent {
  readonly pid: number;
  /** Start time of the process in clock ticks since boot (Linux), so a reused pid is not taken for the owner. */
  readonly startTicks: number | null;
  readonly since: string;
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * mkdir -p, one component at a time. Node's recursive mkdir never returns on paths such as
 * /proc/x/y, where mkdir reports ENOENT although the parent exists.
 */
function makeDirs(dir: string, key: string): void {
  const missing: string[] = [];
  let cur = dir;
  while (!existsSync(cur)) {
    missing.unshift(cur);
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (e) {
      throw new ConfigError(`${key}: cannot create ${d} (${errCode(e)})`);
    }
  }
}

function processStartTicks(pid: number): number | null {
  try {
    // Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function isRunning(owner: LockContent): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if (errCode(e) !== 'EPERM') return false;
  }
  const ticks = processStartTicks(owner.pid);
  return owner.startTicks === null || ticks === null || ticks === owner.startTicks;
}

function readLock(path: string): LockContent | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0) return null;
    return {
      pid: v.pid as number,
      startTicks: typeof v.startTicks === 'number' ? v.startTicks : null,
      since: String(v.since),
    };
  } catch {
    return null;
  }
}

export class DataDirLock {
  readonly dir: string;
  readonly path: string;
  /** The pid of a crashed daemon whose stale lock was taken over, if any. */
  readonly tookOverFrom: number | null;
  private released = false;

  private constructor(dir: string, tookOverFrom: number | null) {
    this.dir = dir;
    this.path = join(dir, LOCK_FILE);
    this.tookOverFrom = tookOverFrom;
  }

  /** Open `dir` for this process; `key` names it in errors (e.g. "dataDir" or "--data-dir"). */
  static acquire(dir: string, key = 'dataDir'): DataDirLock {
    if (existsSync(dir) && !statSync(dir).isDirectory())
      throw new ConfigError(`${key}: ${dir} exists and is not a directory`);
    makeDirs(dir, key);
    const probe = join(dir, `.write-probe-${process.pid}`);
    try {
      closeSync(openSync(probe, 'w', 0o600));
      unlinkSync(probe);
    } catch (e) {
      throw new ConfigError(`${key}: ${dir} is not writable (${errCode(e)})`);
    }
    const path = join(dir, LOCK_FILE);
    let tookOverFrom: number | null = null;
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        const content: LockContent = {
          pid: process.pid,
          startTicks: processStartTicks(process.pid),
          since: new Date().toISOString(),
        };
        writeSync(fd, JSON.stringify(content) + '\n');
        closeSync(fd);
        break;
      } catch (e) {
        if (errCode(e) !== 'EEXIST' || attempt > 0) {
          const why = errCode(e) === 'EEXIST' ? 'another daemon took it at the same moment' : errCode(e);
          throw new ConfigError(`${key}: cannot lock ${path} (${why})`);
        }
      }
      if (!statSync(path).isFile()) throw new ConfigError(`${key}: ${path} is not a regular file; remove it`);
      const owner = readLock(path);
      if (owner && owner.pid !== process.pid && isRunning(owner))
        throw new ConfigError(
          `${key}: ${dir} is in use by the daemon with pid ${owner.pid} (since ${owner.since}; lock ${path})`,
        );
      // The owner is gone (kill -9, power loss) or the file is torn: the lock is stale.
      tookOverFrom = owner?.pid ?? null;
      rmSync(path, { force: true });
    }
    return new DataDirLock(dir, tookOverFrom);
  }

  /** Remove the lock if it is still ours. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (readLock(this.path)?.pid === process.pid) rmSync(this.path, { force: true });
  }
}
