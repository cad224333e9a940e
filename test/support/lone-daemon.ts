import type { DaemonStatus } from '../../src/daemon/status.ts';
/**
 * A lone `gossiplearn node` (no neighbours) on a small task, started as a real process, read through its files
 * and /status.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILES, type DaemonInfo } from '../../src/daemon/files.ts';
import { startCli, type CliProcess } from './cli.ts';

type Json = Record<string, unknown>;

/** `over`: top-level keys; `learning`: keys of the learning section; `task`: keys of the task. */
export function loneDaemonConfig(over: Json = {}, learning: Json = {}, task: Json = {}): Json {
  return {
    dataDir: 'data',
    startupWaitMs: 0,
    task: {
      seed: 3,
      dataset: { type: 'synthetic', samples: 3000, dim: 20, classes: 4, separation: 2 },
      model: { type: 'logreg' },
      node: { localSteps: 10, batchSize: 16, optimizer: { type: 'momentum', lr: 0.05, momentum: 0.9 } },
      ...task,
    },
    learning: {
      partitionIndex: 0,
      partitionCount: 1,
      checkpointEvery: 3,
      eval: { every: 1, testSamples: 500 },
      ...learning,
    },
    ...over,
  };
}

export function writeConfig(dir: string, cfg: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'node.json');
  writeFileSync(path, JSON.stringify(cfg, null, 2));
  return path;
}

export function startDaemon(configPath: string): CliProcess {
  return startCli(['node', '-c', configPath]);
}

/** daemon.json of the process with this pid, once written. */
export function daemonInfo(dataDir: string, pid: number | undefined): DaemonInfo | null {
  const path = join(dataDir, FILES.info);
  if (!existsSync(path)) return null;
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as DaemonInfo;
    return info.pid === pid ? info : null;
  } catch {
    return null;
  }
}

export type LoneStatus = DaemonStatus;

export async function fetchStatus(dataDir: string, pid: number | undefined): Promise<LoneStatus | null> {
  const info = daemonInfo(dataDir, pid);
  if (!info) return null;
  try {
    const res = await fetch(`${info.http}/status`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as LoneStatus) : null;
  } catch {
    return null;
  }
}
