/**
 * A deterministic little world for node tests: the simulator's event queue as the clock, an
 * in-memory transport over a fixed graph with a constant link delay, and a learner whose rounds
 * take a scripted time. Nodes can be taken down (they neither send nor receive) and brought back,
 * and peers can be removed from a node's in-neighbours (they departed).
 */
import { parseNodeConfig } from '../../src/core/config.ts';
import type { LocalLearner, SyncSnapshot, Transport } from '../../src/core/interfaces.ts';
import { LearningNode } from '../../src/core/node.ts';
import type { RoundRecord } from '../../src/core/round-record.ts';
import { buildLayout } from '../../src/learn/layout.ts';
import { EventQueue } from '../../src/sim/event-queue.ts';

export const layout = buildLayout([
  { name: 'w', shape: [4, 2], kind: 'weight', fanIn: 4, fanOut: 2 },
  { name: 'b', shape: [2], kind: 'bias', fanIn: 4, fanOut: 2 },
]);
export const d = layout.totalSize;
export const specHash = '0123456789abcdef';

export interface FakeNetOptions {
  /** Undirected edges between node ids. */
  readonly edges: ReadonlyArray<readonly [string, string]>;
  readonly config: unknown;
  /** How long node `id` trains for `round` (ms of the fake clock). */
  readonly trainMs: (id: string, round: number, now: number) => number;
  readonly linkMs?: number;
  /** Ids on the graph that the test plays itself (see inject): no node is built for them. */
  readonly scripted?: readonly string[];
}

export class FakeNet {
  readonly queue = new EventQueue();
  readonly nodes = new Map<string, LearningNode>();
  readonly records = new Map<string, RoundRecord[]>();
  /** Each node's first parameter right after each round closed (after mixing). */
  readonly firstParam = new Map<string, number[]>();
  private readonly adjacency = new Map<string, string[]>();
  private readonly handlers = new Map<string, (from: string, frame: Uint8Array) => void>();
  private readonly providers = new Map<string, () => SyncSnapshot>();
  private readonly down = new Set<string>();
  private readonly o: FakeNetOptions;

  constructor(o: FakeNetOptions) {
    this.o = o;
    for (const [a, b] of o.edges) {
      this.link(a, b);
      this.link(b, a);
    }
    const config = parseNodeConfig(o.config);
    for (const id of this.adjacency.keys()) {
      if (o.scripted?.includes(id)) continue;
      this.records.set(id, []);
      this.firstParam.set(id, []);
      const node = new LearningNode({
        config,
        layout,
        specHash,
        params: new Float32Array(d),
        clock: this.queue,
        transport: this.transportFor(id),
        learner: this.learnerFor(id),
        seed: 1,
        sharedInitialCopy: new Float32Array(d),
        onRound: (r) => {
          this.records.get(id)!.push(r);
          this.firstParam.get(id)!.push(this.nodes.get(id)!.params[0]!);
        },
      });
      this.nodes.set(id, node);
    }
  }

  private link(a: string, b: string): void {
    const list = this.adjacency.get(a) ?? [];
    if (!list.includes(b)) list.push(b);
    this.adjacency.set(a, list);
  }

  node(id: string): LearningNode {
    return this.nodes.get(id)!;
  }

  rounds(id: string): RoundRecord[] {
    return this.records.get(id)!;
  }

  startAll(): void {
    for (const n of this.nodes.values()) n.start();
  }

  /** A down node's frames are lost both ways and its sync requests fail; it keeps its own clock. */
  setUp(id: string, up: boolean): void {
    if (up) this.down.delete(id);
    else this.down.add(id);
  }

  /** `peer` is no longer one of `id`'s neighbours (either way). */
  unlink(id: string, peer: string): void {
    for (const [a, b] of [
      [id, peer],
      [peer, id],
    ] as const) {
      const list = this.adjacency.get(a)!;
      list.splice(list.indexOf(b), 1);
    }
  }

  /** Hand `frame` to node `to` now, as if `from` had sent it. */
  inject(from: string, to: string, frame: Uint8Array): void {
    this.handlers.get(to)!(from, frame);
  }

  /** Run the clock to `timeMs` (a marker event there stops the loop, so no later event is lost). */
  async runUntil(timeMs: number): Promise<void> {
    let reached = false;
    this.queue.schedule(Math.max(0, timeMs - this.queue.now()), () => {
      reached = true;
    });
    await this.queue.run(() => reached, { maxEvents: 5_000_000, maxTimeMs: Infinity });
  }

  stopAll(): void {
    for (const n of this.nodes.values()) n.stop();
  }

  private transportFor(id: string): Transport {
    const linkMs = this.o.linkMs ?? 5;
    return {
      selfId: id,
      publish: (frame) => {
        if (this.down.has(id)) return 0;
        const to = this.adjacency.get(id)!.filter((p) => !this.down.has(p));
        for (const p of to) this.queue.schedule(linkMs, () => !this.down.has(p) && this.handlers.get(p)?.(id, frame));
        return to.length;
      },
      onFrame: (h) => void this.handlers.set(id, h),
      inNeighbours: () => this.adjacency.get(id)!,
      degreeOf: (p) => this.adjacency.get(p)?.length,
      requestSync: (peer, done) =>
        this.queue.schedule(2 * linkMs, () => {
          const provider = this.providers.get(peer);
          done(provider && !this.down.has(peer) && !this.down.has(id) ? provider() : new Error(`${peer} unreachable`));
        }),
      serveSync: (provider) => void this.providers.set(id, provider),
    };
  }

  /** Every local round pulls each parameter 10% toward the node's own target (its "data"). */
  private learnerFor(id: string): LocalLearner {
    const target = id.charCodeAt(id.length - 1) % 7;
    return {
      train: (round, p, done) =>
        this.queue.schedule(this.o.trainMs(id, round, this.queue.now()), () => {
          for (let i = 0; i < p.length; i++) p[i]! += 0.1 * (target - p[i]!);
          done(0.5);
        }),
    };
  }
}
