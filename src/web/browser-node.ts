/**
 * The browser node: the daemon's LearningNode, P2PTransport, Neighbours, TestnetMember and learner,
 * wired to a BrowserHost (WebSockets, WebRTC, circuit relay), the page's clock and IndexedDB for the
 * identity and checkpoints. Nothing here learns, encodes or validates: the shared modules do.
 */
import type { FrameExpectation } from '../compress/index.ts';
import { LearningNode } from '../core/node.ts';
import type { RoundRecord } from '../core/round-record.ts';
import {
  checkpointMismatch,
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  type Checkpoint,
} from '../daemon/checkpoint-codec.ts';
import type { LearningConfig } from '../daemon/config.ts';
import { DaemonLearner } from '../daemon/learner.ts';
import type { TrainTest } from '../learn/dataset.ts';
import { BrowserHost } from '../p2p/browser-host.ts';
import type { PeerPath } from '../p2p/libp2p-peer.ts';
import { HelloGate } from '../p2p/hello-gate.ts';
import { HELLO_VERSION } from '../p2p/hello-protocol.ts';
import { Neighbours } from '../p2p/neighbours.ts';
import { P2PTransport } from '../p2p/transport.ts';
import { taskNetwork } from '../testnet/heartbeat.ts';
import { TestnetMember, type MemberLog } from '../testnet/member.ts';
import { nodeSeed } from '../task/node-learning.ts';
import type { TaskSpec } from '../task/spec.ts';
import type { BrowserIdentity } from './identity.ts';
import type { JoinInfo } from './join-info.ts';
import type { KvStore } from './kv-store.ts';
import { hostTimerLagMs, wallClock } from '../core/wall-clock.ts';

/** One checkpoint per task: joining another task never resumes this one's model. */
const checkpointKey = (taskHash: string): string => `checkpoint/${taskHash}`;

export interface BrowserNodeOptions {
  readonly join: JoinInfo;
  readonly identity: BrowserIdentity;
  readonly store: KvStore;
  /** The task's dataset, already split (the same split every member computes). */
  readonly data: TrainTest;
  readonly shard: number;
  readonly backend: string;
  readonly maxNeighbours: number;
  readonly testSamples: number;
  /** Save a checkpoint every this many rounds (and on Stop). */
  readonly checkpointEvery: number;
  readonly iceServers: readonly RTCIceServer[];
  readonly log: MemberLog;
}

export interface NeighbourStatus {
  readonly id: string;
  readonly path: PeerPath;
  readonly listening: boolean;
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly bytesReceived: number;
  /** Remote addresses of the open connections. */
  readonly addrs: string[];
}

export interface BrowserNodeStatus {
  readonly peerId: string;
  readonly network: string;
  readonly taskHash: string;
  readonly backend: string;
  readonly shard: number;
  readonly shardSamples: number;
  readonly params: number;
  readonly round: number;
  readonly phase: string;
  readonly accuracy: number | null;
  readonly evaluatedRound: number | null;
  /** The first evaluation in this page session (after its first round): where learning started. */
  readonly firstEval: { round: number; accuracy: number } | null;
  readonly resumedFromCheckpoint: number | null;
  readonly joined: { from: string; round: number } | null;
  readonly neighbours: NeighbourStatus[];
  readonly bytes: { sent: number; received: number };
  readonly accepted: number;
  readonly rejected: Record<string, number>;
  readonly training: { steps: number; ms: number; samples: number };
  /** Wall time of each round closed in this page session (ms). */
  readonly roundMs: number[];
  /** The last closed round: neighbour models aggregated, and what closed it. */
  readonly lastRound: { round: number; used: number; closedBy: string } | null;
  readonly lastCheckpointRound: number | null;
  readonly stopped: boolean;
}

export class BrowserNode {
  private readonly o: BrowserNodeOptions;
  private readonly learner: DaemonLearner;
  private readonly cfg: LearningConfig;
  private readonly task: TaskSpec;
  private host!: BrowserHost;
  private node!: LearningNode;
  private transport!: P2PTransport;
  private neighbours!: Neighbours;
  private member!: TestnetMember;
  private readonly totals = { sent: 0, received: 0, accepted: 0 };
  private readonly rejections: Record<string, number> = {};
  private readonly rejectsFrom = new Map<string, number>();
  private readonly roundMs: number[] = [];
  private lastEval: { round: number; accuracy: number } | null = null;
  private firstEval: { round: number; accuracy: number } | null = null;
  private lastRound: { round: number; used: number; closedBy: string } | null = null;
  private resumedFrom: number | null = null;
  private joined: { from: string; round: number } | null = null;
  private lastCheckpointRound: number | null = null;
  private saving: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | null = null;

  private constructor(o: BrowserNodeOptions) {
    this.o = o;
    this.task = o.join.task;
    this.cfg = {
      partitionIndex: o.shard,
      partitionCount: o.join.shards,
      rounds: 0,
      checkpointEvery: o.checkpointEvery,
      eval: { every: 1, testSamples: o.testSamples },
    };
    this.learner = new DaemonLearner(this.task, this.cfg, o.data);
  }

  static async start(o: BrowserNodeOptions): Promise<BrowserNode> {
    hostTimerLagMs();
    const n = new BrowserNode(o);
    await n.init();
    return n;
  }

  private async init(): Promise<void> {
    const { o, cfg, learner, task } = this;
    const model = learner.model;
    const ckpt = await this.loadCheckpoint();
    const maxFrameBytes = task.node.maxFrameBytes ?? 8 * model.size + 65536;
    const expect: FrameExpectation = { paramCount: model.size, specHash: model.specHash, maxBytes: maxFrameBytes };
    this.host = await BrowserHost.create({
      privateKey: o.identity.privateKey,
      bootstrap: o.join.bootstrap,
      // Room for the pubsub envelope around the largest acceptable frame, as on a daemon.
      maxMessageBytes: maxFrameBytes + 65536,
      iceServers: o.iceServers,
    });
    this.member = new TestnetMember({
      host: this.host,
      network: o.join.network,
      taskHash: o.join.taskHash,
      protocolVersion: o.join.protocolVersion,
      heartbeatMs: o.join.heartbeatMs,
      agent: 'browser',
      log: o.log,
      summary: () => ({
        round: this.node.round,
        accuracy: this.lastEval?.accuracy ?? null,
        bytes: { sent: this.totals.sent, received: this.totals.received },
        accepted: this.totals.accepted,
        rejected: { ...this.rejections },
      }),
    });
    const member = this.member;
    // The daemon's handshake: only peers proven to be of this network, model and task become neighbours.
    const hello = new HelloGate({
      host: this.host,
      ours: { v: HELLO_VERSION, network: o.join.network, specHash: model.specHash, task: o.join.taskHash },
      timeoutMs: 5000,
      backoffMs: 1000,
      maxBackoffMs: 30_000,
      onRefuse: (peer, err, repeat) => {
        if (!repeat)
          o.log.warn({ peer, reason: err.reason, detail: err.message }, `handshake: ${peer} is not a neighbour`);
      },
    });
    await hello.start();
    this.neighbours = new Neighbours(this.host, {
      gate: hello,
      peers: 'auto',
      maxNeighbours: o.maxNeighbours,
      checkEveryMs: 1000,
      maxBackoffMs: 4000,
      onReconnect: (peer) =>
        o.log.warn({ peer }, `gossipsub dropped ${peer} while connected (a failed stream): reconnecting`),
      admit: (p) => member.admits(p),
    });
    this.transport = new P2PTransport({
      host: this.host,
      network: taskNetwork(o.join.network, o.join.taskHash),
      neighbours: this.neighbours,
      expect,
      syncTimeoutMs: 10_000,
      keyframeViaSyncBytes: 1024 * 1024,
      onReject: (from, reason, detail) => this.node.noteRejected(from, reason, detail),
      onError: (what, err) => o.log.warn({ err: err.message }, `p2p: ${what} failed`),
    });
    const shared = learner.initParams('shared');
    const params = ckpt ? ckpt.node.params.slice() : task.init === 'shared' ? shared : learner.initParams('own');
    this.node = new LearningNode({
      config: task.node,
      layout: model.layout,
      specHash: model.specHash,
      params,
      clock: wallClock,
      transport: this.transport,
      learner,
      seed: nodeSeed(task, cfg.partitionIndex),
      startRound: ckpt?.node.round ?? 0,
      sharedInitialCopy: task.init === 'shared' && !ckpt ? shared : undefined,
      catchUp: true,
      onRound: (r) => this.onRound(r),
      onReject: (from, reason, detail) => {
        this.rejections[reason] = (this.rejections[reason] ?? 0) + 1;
        this.rejectsFrom.set(from, (this.rejectsFrom.get(from) ?? 0) + 1);
        o.log.warn({ from, reason, detail }, 'rejected');
      },
    });
    if (ckpt) {
      // As the daemon does: jump past any seq published after the checkpoint, so neighbours see a
      // gap and resync instead of taking the next updates for duplicates.
      const seq = Math.min(0xffffffff, ckpt.node.seq + cfg.checkpointEvery + 1);
      this.node.importState({ ...ckpt.node, seq });
      learner.setState(ckpt.learner);
      this.resumedFrom = ckpt.node.round;
      this.checkpoint();
      o.log.info({ round: ckpt.node.round, seq }, 'resumed from the checkpoint in IndexedDB');
    }
    await this.transport.start();
    this.neighbours.start();
    this.member.start(this.neighbours);
    o.log.info({ peerId: this.host.peerId, bootstrap: o.join.bootstrap }, 'listening');
    await this.waitForNeighbours(15_000);
    if (this.stopping) return;
    const peers = this.neighbours.connected();
    this.node.join(
      peers,
      (from, round) => {
        this.joined = { from, round };
        o.log.info({ from, round }, 'adopted a more advanced model from a neighbour');
      },
      { onlyIfAhead: true },
    );
  }

  private async waitForNeighbours(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.neighbours.list().length === 0 && Date.now() < deadline && !this.stopping)
      await new Promise((r) => setTimeout(r, 100));
  }

  private async loadCheckpoint(): Promise<Checkpoint | null> {
    const bytes = await this.o.store.get(checkpointKey(this.o.join.taskHash));
    if (!bytes) return null;
    const model = this.learner.model;
    let problem: string | null;
    try {
      const c = decodeCheckpoint(bytes);
      const expect = { specHash: model.specHash, paramCount: model.size, optimizer: this.task.node.optimizer.type };
      problem = checkpointMismatch(c, expect);
      if (problem === null) return c;
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      problem = e.message;
    }
    this.o.log.warn({ reason: problem }, 'checkpoint in IndexedDB unusable: discarded, starting fresh');
    await this.o.store.delete(checkpointKey(this.o.join.taskHash));
    return null;
  }

  private onRound(r: RoundRecord): void {
    const e = this.learner.evaluate(this.node.params, this.cfg.eval.testSamples);
    this.lastEval = { round: r.round, accuracy: e.accuracy };
    this.firstEval ??= this.lastEval;
    this.roundMs.push(r.closedAt - r.startedAt);
    this.lastRound = { round: r.round, used: r.used, closedBy: r.closedBy };
    this.totals.sent += r.bytesSentPayload + r.bytesSentMeta;
    this.totals.received += r.bytesRecvPayload + r.bytesRecvMeta;
    this.totals.accepted += r.accepted;
    const ms = Math.round(r.closedAt - r.startedAt);
    this.o.log.info({ round: r.round, used: r.used, accuracy: e.accuracy, ms }, 'round');
    if ((r.round + 1) % this.cfg.checkpointEvery === 0) this.checkpoint();
  }

  /** Queue a checkpoint write (IndexedDB is asynchronous; writes stay in order). */
  private checkpoint(): Promise<void> {
    const c: Checkpoint = {
      specHash: this.learner.model.specHash,
      node: this.node.exportState(),
      learner: this.learner.getState(),
    };
    const bytes = encodeCheckpoint(c);
    this.saving = this.saving
      .then(() => this.o.store.put(checkpointKey(this.o.join.taskHash), bytes))
      .then(
        () => {
          this.lastCheckpointRound = c.node.round;
        },
        (e: Error) => this.o.log.warn({ err: e.message }, 'checkpoint not saved'),
      );
    return this.saving;
  }

  get peerId(): string {
    return this.o.identity.peerId;
  }

  status(): BrowserNodeStatus {
    const listening = new Set(this.transport.listeners());
    return {
      peerId: this.peerId,
      network: this.o.join.network,
      taskHash: this.o.join.taskHash,
      backend: this.o.backend,
      shard: this.o.shard,
      shardSamples: this.learner.shard.y.length,
      params: this.learner.model.size,
      round: this.node.round,
      phase: this.node.phase,
      accuracy: this.lastEval?.accuracy ?? null,
      evaluatedRound: this.lastEval?.round ?? null,
      firstEval: this.firstEval,
      resumedFromCheckpoint: this.resumedFrom,
      joined: this.joined,
      neighbours: this.neighbours.list().map((id) => {
        const received = this.transport.framesFrom.get(id) ?? 0;
        const rejected = this.rejectsFrom.get(id) ?? 0;
        return {
          id,
          path: this.host.pathTo(id),
          listening: listening.has(id),
          received,
          rejected,
          accepted: Math.max(0, received - rejected),
          bytesReceived: this.transport.bytesFrom.get(id) ?? 0,
          addrs: this.host.connectionAddrs(id),
        };
      }),
      bytes: { ...this.totals },
      accepted: this.totals.accepted,
      rejected: { ...this.rejections },
      training: {
        steps: this.learner.stepsDone,
        ms: this.learner.trainingMs,
        samples: this.learner.stepsDone * Math.min(this.task.node.batchSize, this.learner.shard.y.length),
      },
      roundMs: [...this.roundMs],
      lastRound: this.lastRound,
      lastCheckpointRound: this.lastCheckpointRound,
      stopped: this.stopping !== null,
    };
  }

  /** Leave cleanly: stop training, save a checkpoint, leave the topics, close every connection. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.o.log.info({ round: this.node?.round }, 'stopping');
      this.node.stop();
      await this.checkpoint();
      this.neighbours.stop();
      this.member.stop();
      for (const t of this.host.subscriptions()) this.host.unsubscribe(t);
      await this.host.stop();
      this.learner.dispose();
      this.o.log.info({}, 'stopped');
    })();
    return this.stopping;
  }
}
