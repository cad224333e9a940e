/**
 * Testnet in a box: one bootstrap node and N joiners as child processes on loopback, each a real
 * `gossiplearn testnet bootstrap|join`. The bootstrap's key is made first, so the manifest copy the
 * joiners read names its address. Used by scripts/testnet-box.ts and the testnet tests.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePorts, sleep } from './cluster.ts';
import { FILES, type DaemonInfo } from '../daemon/files.ts';
import { DaemonProcesses } from './processes.ts';
import { createIdentityFile } from '../p2p/identity.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { readJsonFile } from '../util/json-file.ts';
import { loadManifest, type Manifest } from '../testnet/manifest.ts';

export interface BoxSpec {
  readonly outDir: string;
  /** The manifest to run (its bootstrap list is replaced by the box's bootstrap node). */
  readonly manifest: string;
  /** Extra manifest keys (e.g. admission) merged over the file's. */
  readonly manifestOverrides?: Record<string, unknown>;
  readonly logLevel?: string;
}

export interface JoinerSpec {
  /** Default: the box's manifest. */
  readonly manifest?: string;
  readonly relayOnly?: boolean;
  readonly rounds?: number;
  readonly shard?: number;
  readonly extraArgs?: readonly string[];
}

export class TestnetBox {
  readonly spec: BoxSpec;
  readonly manifestPath: string;
  readonly manifest: Manifest;
  readonly bootstrapPeer: string;
  private readonly procs = new DaemonProcesses();
  private readonly joinerSpecs = new Map<number, JoinerSpec>();

  private constructor(spec: BoxSpec, manifestPath: string, bootstrapPeer: string) {
    this.spec = spec;
    this.manifestPath = manifestPath;
    this.manifest = loadManifest(manifestPath);
    this.bootstrapPeer = bootstrapPeer;
  }

  /** Make the bootstrap key and write the box's manifest (outDir/manifest.json) naming its address. */
  static async create(spec: BoxSpec): Promise<TestnetBox> {
    mkdirSync(spec.outDir, { recursive: true, mode: 0o700 });
    const keyPath = join(spec.outDir, 'bootstrap', FILES.key);
    const peer = existsSync(keyPath) ? null : (await createIdentityFile(keyPath)).peerId;
    if (!peer) throw new Error(`testnet box: ${spec.outDir} already holds a box; use an empty directory`);
    const [port] = await freePorts(1);
    const source = readJsonFile(spec.manifest) as Record<string, unknown>;
    const manifest = { ...source, ...spec.manifestOverrides, bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${peer}`] };
    const path = join(spec.outDir, 'manifest.json');
    writeFileAtomic(path, JSON.stringify(manifest, null, 2) + '\n');
    return new TestnetBox(spec, path, peer);
  }

  /** Write a variant of the box's manifest (same network and bootstrap), e.g. with another task. */
  writeVariant(name: string, change: (m: Record<string, unknown>) => Record<string, unknown>): string {
    const path = join(this.spec.outDir, `${name}.json`);
    writeFileAtomic(
      path,
      JSON.stringify(change(readJsonFile(this.manifestPath) as Record<string, unknown>), null, 2) + '\n',
    );
    return path;
  }

  dir(name: string): string {
    return resolve(this.spec.outDir, name);
  }

  private spawn(name: string, args: string[]): void {
    this.procs.start(name, this.dir(name), [
      'testnet',
      ...args,
      '--data-dir',
      this.dir(name),
      '--log-level',
      this.spec.logLevel ?? 'info',
    ]);
  }

  startBootstrap(): void {
    this.spawn('bootstrap', ['bootstrap', this.manifestPath]);
  }

  joinerName(i: number): string {
    return `joiner-${i}`;
  }

  /** Start joiner i (again, after a kill, with the spec it was first started with). */
  startJoiner(i: number, spec?: JoinerSpec): void {
    const s = spec ?? this.joinerSpecs.get(i) ?? {};
    this.joinerSpecs.set(i, s);
    const args = [
      'join',
      s.manifest ?? this.manifestPath,
      '--shard',
      String(s.shard ?? i % this.manifest.shards),
      '--rounds',
      String(s.rounds ?? 0),
    ];
    if (s.relayOnly) args.push('--relay-only');
    this.spawn(this.joinerName(i), [...args, ...(s.extraArgs ?? [])]);
  }

  isRunning(name: string): boolean {
    return this.procs.isRunning(name);
  }

  /** Processes that exited without being told to: name → why. */
  get crashes(): ReadonlyMap<string, string> {
    return this.procs.crashes;
  }

  /** Kill with `signal` (SIGKILL: a crash) and wait for the exit. */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.procs.kill(name, signal);
  }

  /** SIGTERM everything, SIGKILL what is left after `graceMs`. */
  stopAll(graceMs = 8000): Promise<void> {
    return this.procs.stopAll(graceMs);
  }

  /** The running process's daemon.json. */
  info(name: string): DaemonInfo | null {
    return this.procs.info(name);
  }

  /** GET a JSON page (/status, /network) of a running process; null when it does not answer. */
  get<T>(name: string, page: string): Promise<T | null> {
    return this.procs.getJson<T>(name, page);
  }

  /** Poll until `done` returns a value; throws after `timeoutMs` (or at once if a process crashed). */
  async waitFor<T>(
    what: string,
    done: () => Promise<T | null | undefined | false>,
    timeoutMs: number,
    pollMs = 300,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const crash = this.procs.firstCrash();
      if (crash) throw new Error(`testnet box: ${crash}`);
      const v = await done();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`testnet box: timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(pollMs);
    }
  }
}
