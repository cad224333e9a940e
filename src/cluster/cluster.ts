/**
 * A local multi-process cluster: N real `gossiplearn node` daemons on loopback, wired by a
 * topology (neighbours and bootstrap addresses from its edges). Key files are created up front so
 * every peer id is known before anything starts; each node keeps a fixed loopback port so a
 * restarted node is found at the same address.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createIdentityFile } from '../p2p/identity.ts';
import type { NodeRoundLine } from '../report/rounds.ts';
import type { DaemonStatus } from '../daemon/status.ts';
import type { Topology } from '../topology/index.ts';
import type { TaskSpecInput } from '../task/spec.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { ConfigError } from '../util/validate.ts';
import { parseDaemonConfig, type DaemonConfigInput } from '../daemon/config.ts';
import { FILES, type DaemonInfo } from '../daemon/files.ts';
import { DaemonProcesses } from './processes.ts';

type LogLevel = NonNullable<NonNullable<DaemonConfigInput['log']>['level']>;

export interface ClusterSpec {
  readonly outDir: string;
  readonly topology: Topology;
  /** The learning task (raw JSON, src/task/spec.ts): every daemon's config embeds it under `task`. */
  readonly task: TaskSpecInput;
  /** Extra keys of the daemons' `learning` section (eval, checkpointEvery); the cluster sets the shard and rounds. */
  readonly learning?: Partial<DaemonConfigInput['learning']>;
  readonly rounds: number;
  readonly network?: string;
  /** Extra top-level daemon config keys, e.g. startupWaitMs or sync. */
  readonly daemon?: Partial<Omit<DaemonConfigInput, 'learning'>>;
  readonly logLevel?: LogLevel;
  /** Last word on each node's config before it is written (e.g. a test adds a peer of its own). */
  readonly configure?: (index: number, config: DaemonConfigInput) => DaemonConfigInput;
}

/** A daemon's `/status`, as the cluster reads it. */
export type NodeStatus = DaemonStatus;

export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((res, rej) => {
          const s = createServer();
          s.once('error', rej);
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Parse a node's rounds.jsonl, skipping lines that are not round records (e.g. one cut by kill -9). */
export function readRoundLines(path: string): NodeRoundLine[] {
  if (!existsSync(path)) return [];
  const out: NodeRoundLine[] = [];
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (!text.trim()) continue;
    try {
      const l = JSON.parse(text) as NodeRoundLine;
      if (l?.type === 'node-round' && Number.isInteger(l.round) && Number.isInteger(l.index)) out.push(l);
    } catch {
      // a torn last line
    }
  }
  return out;
}

export class Cluster {
  readonly spec: ClusterSpec;
  readonly n: number;
  readonly peerIds: string[];
  readonly ports: number[];
  private readonly procs = new DaemonProcesses();

  private constructor(spec: ClusterSpec, peerIds: string[], ports: number[]) {
    this.spec = spec;
    this.n = peerIds.length;
    this.peerIds = peerIds;
    this.ports = ports;
  }

  /** Create keys and per-node config files under outDir/node-<i>/. */
  static async create(spec: ClusterSpec): Promise<Cluster> {
    const graph = spec.topology.graph;
    if (!graph)
      throw new Error(`cluster: topology ${spec.topology.name} is time-varying; daemons need a fixed neighbour list`);
    const n = graph.n;
    const dirs = Array.from({ length: n }, (_, i) => resolve(spec.outDir, `node-${i}`));
    const peerIds: string[] = [];
    for (const dir of dirs) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (existsSync(join(dir, FILES.key)))
        throw new ConfigError(`cluster: ${dir} already holds a node; use an empty --out directory`);
      peerIds.push((await createIdentityFile(join(dir, FILES.key))).peerId);
    }
    const ports = await freePorts(n);
    const addr = (j: number): string => `/ip4/127.0.0.1/tcp/${ports[j]}/p2p/${peerIds[j]}`;
    graph.adj.forEach((nbrs, i) => {
      const config: DaemonConfigInput = {
        network: spec.network ?? 'cluster',
        listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`],
        bootstrap: nbrs.map(addr),
        neighbours: nbrs.map((j) => peerIds[j]!),
        maxNeighbours: Math.max(1, nbrs.length),
        mdns: false,
        dht: false,
        dataDir: '.',
        http: { host: '127.0.0.1', port: 0 },
        log: { level: spec.logLevel ?? 'info' },
        ...spec.daemon,
        task: spec.task,
        learning: { ...spec.learning, partitionIndex: i, partitionCount: n, rounds: spec.rounds },
      };
      const final = spec.configure ? spec.configure(i, config) : config;
      // Fail here, in one line, rather than in N daemons that each exit on the same bad value.
      parseDaemonConfig(final, join(dirs[i]!, 'config.json'), dirs[i]);
      writeFileAtomic(join(dirs[i]!, 'config.json'), JSON.stringify(final, null, 2) + '\n');
    });
    return new Cluster(spec, peerIds, ports);
  }

  dir(i: number): string {
    return resolve(this.spec.outDir, `node-${i}`);
  }

  isRunning(i: number): boolean {
    return this.procs.isRunning(`${i}`);
  }

  /** OS process id of running daemon i. */
  pid(i: number): number | undefined {
    return this.procs.pid(`${i}`);
  }

  /** The first daemon that exited without being told to, as "<i> <why>". */
  firstCrash(): string | undefined {
    return this.procs.firstCrash();
  }

  /** Spawn daemon i (its stderr logs go to node-<i>/daemon.log). */
  start(i: number): void {
    if (this.procs.isRunning(`${i}`)) throw new Error(`cluster: node ${i} is already running`);
    this.procs.start(`${i}`, this.dir(i), ['node', '--config', join(this.dir(i), 'config.json')]);
  }

  startAll(): void {
    for (let i = 0; i < this.n; i++) this.start(i);
  }

  /** Kill daemon i with `signal` (SIGKILL: a crash) and wait for it to exit. */
  kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.procs.kill(`${i}`, signal);
  }

  /** SIGTERM every daemon (they flush a checkpoint and leave), SIGKILL whatever is left after `graceMs`. */
  stopAll(graceMs = 10_000): Promise<void> {
    return this.procs.stopAll(graceMs);
  }

  /** The running daemon's daemon.json, once it is written by the current process. */
  info(i: number): DaemonInfo | null {
    return this.procs.info(`${i}`);
  }

  status(i: number): Promise<NodeStatus | null> {
    return this.procs.getJson<NodeStatus>(`${i}`, '/status');
  }

  async metrics(i: number): Promise<string | null> {
    return (await (await this.procs.get(`${i}`, '/metrics'))?.text().catch(() => null)) ?? null;
  }

  async statuses(): Promise<Array<NodeStatus | null>> {
    return Promise.all(Array.from({ length: this.n }, (_, i) => this.status(i)));
  }

  /** Poll until `done` holds; throws after `timeoutMs` with `what` in the message. */
  async waitFor(
    what: string,
    done: (s: Array<NodeStatus | null>) => boolean,
    timeoutMs: number,
    pollMs = 250,
  ): Promise<Array<NodeStatus | null>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const crash = this.procs.firstCrash();
      if (crash) throw new Error(`cluster: daemon ${crash}`);
      const s = await this.statuses();
      if (done(s)) return s;
      if (Date.now() > deadline)
        throw new Error(
          `cluster: timed out after ${timeoutMs} ms waiting for ${what}; ` +
            `rounds: ${s.map((x) => x?.round ?? '-').join(' ')}`,
        );
      await sleep(pollMs);
    }
  }

  /**
   * Every node's JSONL, merged; a round logged twice (replayed after a restart) keeps its last line.
   * A MoDeST node that trained and aggregated in one round has a line per role.
   */
  lines(): NodeRoundLine[] {
    const byKey = new Map<string, NodeRoundLine>();
    for (let i = 0; i < this.n; i++)
      for (const l of readRoundLines(join(this.dir(i), FILES.rounds)))
        byKey.set(`${l.index}:${l.round}:${l.role ?? ''}`, l);
    return [...byKey.values()].sort((a, b) => a.round - b.round || a.index - b.index);
  }
}
