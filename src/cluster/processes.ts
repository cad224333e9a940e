/**
 * Child `gossiplearn` processes run by the local tools (the cluster, the testnet box): spawned with
 * their logs in <dir>/daemon.log, killed or stopped on demand, found through <dir>/daemon.json, and
 * any exit nobody asked for remembered as a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILES, type DaemonInfo } from '../daemon/files.ts';

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

interface Proc {
  readonly child: ChildProcess;
  readonly dir: string;
  exited: Promise<void>;
  expected: boolean;
}

export class DaemonProcesses {
  private readonly procs = new Map<string, Proc>();
  /** Processes that exited without being told to: name → why. */
  readonly crashes = new Map<string, string>();

  /**
   * Spawn `gossiplearn <args>` as `name`; stdout and stderr go to <dir>/daemon.log. `prefix` runs
   * it through a command that execs it (e.g. `ip netns exec <ns>`), so the pid stays the daemon's.
   */
  start(name: string, dir: string, args: readonly string[], prefix: readonly string[] = []): void {
    if (this.procs.has(name)) throw new Error(`${name} is already running`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const log = openSync(join(dir, 'daemon.log'), 'a');
    const argv = [...prefix, process.execPath, MAIN, ...args];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', log, log] });
    closeSync(log);
    const proc: Proc = { child, dir, expected: false, exited: Promise.resolve() };
    proc.exited = new Promise((r) =>
      child.once('exit', (code, signal) => {
        if (this.procs.get(name) === proc) this.procs.delete(name);
        if (!proc.expected)
          this.crashes.set(name, `exited on its own (code ${code}, signal ${signal}); see ${join(dir, 'daemon.log')}`);
        r();
      }),
    );
    this.procs.set(name, proc);
  }

  isRunning(name: string): boolean {
    return this.procs.has(name);
  }

  /** The OS process id of the running process `name`. */
  pid(name: string): number | undefined {
    return this.procs.get(name)?.child.pid;
  }

  /** The first crash as "<name> <why>", if any. */
  firstCrash(): string | undefined {
    return [...this.crashes].map(([n, why]) => `${n} ${why}`)[0];
  }

  /** Kill with `signal` (SIGKILL: a crash) and wait for the exit. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.procs.get(name);
    if (!p) return;
    p.expected = true;
    p.child.kill(signal);
    await p.exited;
  }

  /** SIGTERM everything (daemons flush a checkpoint and leave), SIGKILL what is left after `graceMs`. */
  async stopAll(graceMs: number): Promise<void> {
    const all = [...this.procs.values()];
    for (const p of all) {
      p.expected = true;
      p.child.kill('SIGTERM');
    }
    const exited = Promise.all(all.map((p) => p.exited));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const p of all) p.child.kill('SIGKILL');
    await exited;
  }

  /** The running process's daemon.json, once the current process has written it. */
  info(name: string): DaemonInfo | null {
    const p = this.procs.get(name);
    if (!p) return null;
    const path = join(p.dir, FILES.info);
    if (!existsSync(path)) return null;
    try {
      const info = JSON.parse(readFileSync(path, 'utf8')) as DaemonInfo;
      return info.pid === p.child.pid ? info : null;
    } catch {
      return null;
    }
  }

  /** GET an HTTP page of a running process; null when it does not answer. */
  async get(name: string, page: string): Promise<Response | null> {
    const info = this.info(name);
    if (!info) return null;
    try {
      const res = await fetch(`${info.http}${page}`, { signal: AbortSignal.timeout(2000) });
      return res.ok ? res : null;
    } catch {
      return null;
    }
  }

  async getJson<T>(name: string, page: string): Promise<T | null> {
    return ((await (await this.get(name, page))?.json().catch(() => null)) as T | null) ?? null;
  }
}
