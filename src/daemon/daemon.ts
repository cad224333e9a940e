/**
 * `gossiplearn node`: one learning node on libp2p. The LearningNode from src/core runs unchanged;
 * this wires it to the real clock, the libp2p transport, an in-process learner, checkpoints,
 * per-round JSONL (the simulator's line format) and the HTTP status/metrics endpoint.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameExpectation } from '../compress/index.ts';
import { LearningNode } from '../core/node.ts';
import type { RoundRecord } from '../core/round-record.ts';
import { selectBackend } from '../learn/backend.ts';
import { loadDataset } from '../learn/datasets/index.ts';
import { GossipHost, peerOfAddr } from '../p2p/host.ts';
import { HelloGate } from '../p2p/hello-gate.ts';
import { HELLO_VERSION } from '../p2p/hello-protocol.ts';
import { loadOrCreateIdentity } from '../p2p/identity.ts';
import { Neighbours } from '../p2p/neighbours.ts';
import { readPskFile } from '../p2p/psk.ts';
import { P2PTransport } from '../p2p/transport.ts';
import type { NodeRoundLine } from '../report/rounds.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { ConfigError } from '../util/validate.ts';
import { nodeSeed } from '../task/node-learning.ts';
import { loadCheckpoint, outerStateNote, saveCheckpoint, type Checkpoint } from './checkpoint.ts';
import type { DaemonConfig } from './config.ts';
import { DASHBOARD_HTML } from './dashboard.ts';
import type { DataDirLock } from './data-dir.ts';
import { NO_EXTENSION_STATUS, type DaemonExtension, type ProgressSummary } from './extension.ts';
import { StatusServer } from './http.ts';
import { DaemonLearner } from './learner.ts';
import type { Logger } from './logger.ts';
import { FILES, type DaemonInfo } from './files.ts';
import { DaemonMetrics, type ConnectionCounts } from './metrics.ts';
import { processMemory } from './process-memory.ts';
import type { DaemonStatus } from './status.ts';
import { outerStateDigest, paramsDigest } from './params-digest.ts';
import { loadPrivacySteps, savePrivacySteps } from './privacy-file.ts';
import { hostTimerLagMs, wallClock } from '../core/wall-clock.ts';

export class Daemon {
  readonly cfg: DaemonConfig;
  private readonly log: Logger;
  private host!: GossipHost;
  private learner!: DaemonLearner;
  private node!: LearningNode;
  private transport!: P2PTransport;
  private neighbours!: Neighbours;
  private http!: StatusServer;
  /** What a layer above plugs in (the testnet membership), or null: a plain node. */
  private readonly extension: DaemonExtension | null;
  private hello!: HelloGate;
  /** Update bytes sent and received, payload + metadata, summed over rounds (this process). */
  private readonly totals = { sent: 0, received: 0, accepted: 0 };
  private readonly rejectsFrom = new Map<string, number>();
  private readonly metrics = new DaemonMetrics();
  private specHash = '';
  private transportExpect: FrameExpectation = { paramCount: 0, specHash: '', maxBytes: 0 };
  private httpUrl = '';
  private startedAt = Date.now();
  private lastEval: { round: number; accuracy: number; loss: number } | null = null;
  private lastRecord: RoundRecord | null = null;
  /** What the checkpoint read at start held, and how the resumed model evaluated before any training. */
  private resumed: { round: number; paramsHash: string; outerHash: string | null; accuracy: number } | null = null;
  private joined: { from: string; round: number } | null = null;
  private lastCheckpoint: { round: number; paramsHash: string; outerHash: string | null } | null = null;
  private finished = false;
  private startupWaitOver = false;
  private isolationTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private resolveFinished!: () => void;
  /** Resolves once the configured number of rounds is done (never when rounds = 0). */
  readonly whenFinished = new Promise<void>((r) => (this.resolveFinished = r));

  private readonly lock: DataDirLock;

  private constructor(cfg: DaemonConfig, log: Logger, lock: DataDirLock, extension: DaemonExtension | null) {
    this.cfg = cfg;
    this.log = log;
    this.lock = lock;
    this.extension = extension;
  }

  /**
   * Start on a dataDir this process has locked (DataDirLock.acquire, before the logger opens files there),
   * with the extension a layer above plugs in, if any.
   */
  static async start(
    cfg: DaemonConfig,
    log: Logger,
    lock: DataDirLock,
    extension: DaemonExtension | null = null,
  ): Promise<Daemon> {
    const d = new Daemon(cfg, log, lock, extension);
    try {
      await d.init();
    } catch (e) {
      await d.stop('startup failed', { checkpoint: false }).catch(() => {});
      throw e;
    }
    return d;
  }

  private path(name: string): string {
    return join(this.cfg.dataDir, name);
  }

  private async init(): Promise<void> {
    const { cfg, log, extension } = this;
    const l = cfg.learning;
    const task = cfg.task;
    // Measure timer lag from the start: start-up itself (tfjs, libp2p) is when the host is busiest.
    hostTimerLagMs();
    if (this.lock.tookOverFrom !== null)
      log.warn({ pid: this.lock.tookOverFrom }, 'took over the stale dataDir lock of a daemon that is gone');
    const identity = await loadOrCreateIdentity(this.path(FILES.key));
    log.info({ peerId: identity.peerId, keyFile: this.path(FILES.key), created: identity.created }, 'identity');
    const backend = await selectBackend(cfg.backend);
    this.learner = new DaemonLearner(task, l, loadDataset(task.dataset, task.seed));
    // Before any network activity: a privacy ledger that does not match refuses to start.
    const privacy = task.node.privacy;
    const privacyFile = this.path(FILES.privacy);
    const privacyParams = privacy
      ? { q: this.learner.samplingRate, noiseMultiplier: privacy.noiseMultiplier, delta: privacy.delta }
      : null;
    const stepsSpent = privacyParams ? loadPrivacySteps(privacyFile, privacyParams) : 0;
    const model = this.learner.model;
    this.specHash = model.specHash;
    log.info(
      {
        backend: backend.backend,
        model: task.model,
        params: model.size,
        specHash: this.specHash,
        shard: this.learner.shard.y.length,
        partition: `${l.partitionIndex}/${l.partitionCount}`,
      },
      'learner ready',
    );

    const loaded = loadCheckpoint(this.path(FILES.checkpoint), {
      specHash: this.specHash,
      paramCount: model.size,
      optimizer: task.node.optimizer.type,
    });
    if (loaded.kind === 'rejected')
      log.warn({ reason: loaded.reason, movedTo: loaded.movedTo }, 'checkpoint unusable: moved aside, starting fresh');
    const ckpt = loaded.kind === 'ok' ? loaded.checkpoint : null;
    const outerNote = ckpt ? outerStateNote(ckpt, task.node.outer !== undefined) : null;
    if (outerNote) log.warn({ reason: outerNote }, 'checkpoint and config differ on the outer optimizer');

    const maxFrameBytes = task.node.maxFrameBytes ?? 8 * model.size + 65536;
    this.transportExpect = { paramCount: model.size, specHash: this.specHash, maxBytes: maxFrameBytes };
    const bootstrapPeers = cfg.bootstrap.map(peerOfAddr).filter((p): p is string => p !== null);
    const allowPeers = cfg.admission.allowPeers
      ? [...cfg.admission.allowPeers, ...bootstrapPeers, identity.peerId]
      : undefined;
    this.host = await GossipHost.create({
      privateKey: identity.privateKey,
      natTraversal: extension?.host.natTraversal ?? false,
      psk: cfg.admission.pskFile ? readPskFile(cfg.admission.pskFile) : undefined,
      allowPeers,
      directDialsOnlyTo: extension?.host.directDialsOnlyToBootstrap ? bootstrapPeers : undefined,
      listen: cfg.listen,
      announce: cfg.announce.length ? cfg.announce : undefined,
      bootstrap: cfg.bootstrap,
      mdns: cfg.mdns,
      dht: cfg.dht,
      // Room for the pubsub envelope (signature, key, topic) around the largest acceptable frame.
      maxMessageBytes: maxFrameBytes + 65536,
      relay: cfg.relay,
      metrics: this.metrics.registry,
    });
    for (const a of cfg.bootstrap) {
      const peer = peerOfAddr(a);
      if (peer) await this.host.addAddress(peer, a);
    }
    extension?.attach({ host: this.host, log, progress: () => this.progress() });
    this.hello = new HelloGate({
      host: this.host,
      ours: { v: HELLO_VERSION, network: cfg.network, specHash: this.specHash, task: extension?.helloTask ?? null },
      timeoutMs: 5000,
      backoffMs: 1000,
      maxBackoffMs: 30_000,
      onRefuse: (peer, err, repeat) => {
        this.metrics.onHandshakeRefused(err.reason);
        // Every failure is counted; a peer failing the same way again is logged at debug only.
        log[repeat ? 'debug' : 'warn'](
          { peer, reason: err.reason, detail: err.message },
          `handshake: ${peer} is not a neighbour`,
        );
      },
    });
    await this.hello.start();
    this.neighbours = new Neighbours(this.host, {
      gate: this.hello,
      peers: cfg.neighbours,
      maxNeighbours: cfg.maxNeighbours,
      checkEveryMs: 1000,
      maxBackoffMs: 4000,
      onReconnect: (peer) =>
        log.warn({ peer }, `gossipsub dropped ${peer} while connected (a failed stream): reconnecting`),
      admit: extension ? (p) => extension.admits(p) : undefined,
    });
    this.transport = new P2PTransport({
      host: this.host,
      network: extension ? extension.topicNetwork(cfg.network) : cfg.network,
      neighbours: this.neighbours,
      expect: this.transportExpect,
      syncTimeoutMs: cfg.sync.timeoutMs,
      keyframeViaSyncBytes: cfg.keyframeViaSyncBytes,
      maxDirectFrameBytes: task.node.modest ? (task.node.maxFrameBytes ?? 8 * model.size + 65536) : undefined,
      onReject: (from, reason, detail) => this.node.noteRejected(from, reason, detail),
      onError: (what, err) => log.warn({ err: err.message }, `p2p: ${what} failed`),
    });

    const shared = this.learner.initParams('shared');
    const params = ckpt ? ckpt.node.params.slice() : task.init === 'shared' ? shared : this.learner.initParams('own');
    this.node = new LearningNode({
      config: task.node,
      layout: model.layout,
      specHash: this.specHash,
      params,
      clock: wallClock,
      transport: this.transport,
      learner: this.learner,
      seed: nodeSeed(task, l.partitionIndex),
      startRound: ckpt?.node.round ?? 0,
      sharedInitialCopy: task.init === 'shared' && !ckpt ? shared : undefined,
      catchUp: true,
      lastRound: l.rounds > 0 ? l.rounds - 1 : undefined,
      onRound: (r) => this.onRound(r),
      privacy: privacyParams ? { samplingRate: privacyParams.q, stepsSpent } : undefined,
      onPrivacySpent: privacyParams
        ? (steps, epsilon) => savePrivacySteps(privacyFile, { steps, epsilon, ...privacyParams })
        : undefined,
      onPrivacyBudgetReached: (epsilon, round) => {
        this.metrics.onPrivacy({ epsilon, steps: stepsSpent, stopped: true, ...this.node.privacy });
        const what = 'privacy budget reached: no more training or publishing; still aggregating neighbours';
        log.warn({ epsilon, targetEpsilon: privacy?.targetEpsilon, round }, what);
      },
      onReject: (from, reason, detail) => {
        this.metrics.onReject(reason);
        this.rejectsFrom.set(from, (this.rejectsFrom.get(from) ?? 0) + 1);
        log.warn({ from, reason, detail }, 'rejected');
      },
    });
    if (ckpt) {
      const path = this.path(FILES.checkpoint);
      if (ckpt.node.seq > 0xffffffff - l.checkpointEvery - 2)
        throw new ConfigError(
          `${path}: seq ${ckpt.node.seq} leaves no room for further updates (uint32); remove the file to start fresh`,
        );
      // Neighbours may hold this node's public copy at a later seq than the checkpoint's (it published
      // up to checkpointEvery frames after it). Resuming at a lower seq would make its next updates
      // look like duplicates, or apply them on the wrong base if the keyframe is not seen; jumping
      // past any seq it can have used makes every neighbour see a gap and resync instead. The jump
      // is checkpointed at once, so a crash loop keeps moving forward.
      const seq = Math.min(0xffffffff, ckpt.node.seq + l.checkpointEvery + 1);
      this.node.importState({ ...ckpt.node, seq });
      this.learner.setState(ckpt.learner);
      const accuracy = this.learner.evaluate(this.node.params, l.eval.testSamples).accuracy;
      // The outer digest is of what the node now holds: equal to the file's only if it was restored.
      const outerHash = outerStateDigest(this.node.exportState().outer);
      this.resumed = { round: ckpt.node.round, paramsHash: paramsDigest(ckpt.node.params), outerHash, accuracy };
      this.checkpoint();
      log.info({ ...this.resumed, seq, samplesDrawn: ckpt.learner.samplesDrawn }, 'resumed from checkpoint');
    }
    this.metrics.setRound(this.node.round);
    this.metrics.observeConnections(() => this.connectionCounts());
    if (this.node.privacy) {
      this.metrics.onPrivacy(this.node.privacy);
      const spent = { samplingRate: privacyParams!.q, stepsSpent, epsilon: this.node.privacy.epsilon };
      log.info({ ...privacy, ...spent }, 'differential privacy on (Poisson sampling)');
    }

    await this.transport.start();
    this.neighbours.start();
    extension?.start(this.neighbours);
    this.http = new StatusServer({
      pages: {
        '/dashboard': async () => ({ contentType: 'text/html; charset=utf-8', body: DASHBOARD_HTML }),
        ...extension?.pages(),
      },
      host: cfg.http.host,
      port: cfg.http.port,
      status: () => this.status(),
      metrics: async () => ({ contentType: this.metrics.contentType, body: await this.metrics.text() }),
      onError: (err) => log.warn({ err: err.message }, 'http handler failed'),
    });
    this.httpUrl = await this.http.listen().catch((e: NodeJS.ErrnoException) => {
      throw new ConfigError(`http: cannot listen on ${cfg.http.host}:${cfg.http.port} (${e.code ?? e.message})`);
    });
    this.startedAt = Date.now();
    const info: DaemonInfo = {
      pid: process.pid,
      peerId: this.host.peerId,
      addresses: this.host.addresses(),
      http: this.httpUrl,
      startedAt: this.startedAt,
    };
    writeFileAtomic(this.path(FILES.info), JSON.stringify(info, null, 2) + '\n');
    log.info({ addresses: info.addresses, http: this.httpUrl, neighbours: this.neighbours.list() }, 'listening');

    if (l.rounds > 0 && this.node.round >= l.rounds) return this.finish();
    await this.waitForNeighbours();
    const peers = this.neighbours.connected();
    log.info(
      { round: this.node.round, syncFrom: peers },
      'starting: pulling the current model from neighbours if they are ahead',
    );
    this.node.join(
      peers,
      (from, round) => {
        this.joined = { from, round };
        this.metrics.setRound(round);
        log.info({ from, round }, 'adopted a more advanced model from a neighbour');
      },
      { onlyIfAhead: true },
    );
  }

  /** Until every configured neighbour is connected and listens to this node's topic (or the wait is over). */
  private async waitForNeighbours(): Promise<void> {
    const deadline = Date.now() + this.cfg.startupWaitMs;
    const ready = (): boolean => {
      const want = this.neighbours.list();
      if (this.neighbours.auto) return want.length > 0;
      const listening = new Set(this.transport.listeners());
      return want.every((p) => listening.has(p));
    };
    while (!ready() && Date.now() < deadline && !this.stopping) await new Promise((r) => setTimeout(r, 100));
    if (!ready())
      this.log.warn(
        { connected: this.neighbours.connected(), configured: this.neighbours.list() },
        'starting without every neighbour',
      );
    this.startupWaitOver = true;
    this.watchIsolation();
  }

  private onRound(r: RoundRecord): void {
    const l = this.cfg.learning;
    // A node that adopted a finished neighbour's model starts past the target: nothing left to do.
    if (l.rounds > 0 && r.round >= l.rounds) return this.finish();
    const line: NodeRoundLine = { type: 'node-round', index: l.partitionIndex, byzantine: false, ...r };
    const last = l.rounds > 0 && r.round + 1 >= l.rounds;
    if (r.round % l.eval.every === 0 || last) {
      const e = this.learner.evaluate(this.node.params, l.eval.testSamples);
      line.accuracy = e.accuracy;
      line.testLoss = e.loss;
      this.lastEval = { round: r.round, accuracy: e.accuracy, loss: e.loss };
      this.metrics.onEvaluation(e.accuracy, e.loss);
    }
    this.lastRecord = r;
    appendFileSync(this.path(FILES.rounds), JSON.stringify(line) + '\n');
    this.metrics.onRound(r, this.node.round);
    if (r.privacy) this.metrics.onPrivacy(r.privacy);
    this.totals.sent += r.bytesSentPayload + r.bytesSentMeta;
    this.totals.received += r.bytesRecvPayload + r.bytesRecvMeta;
    this.totals.accepted += r.accepted;
    this.log.info(
      {
        round: r.round,
        closedBy: r.closedBy,
        used: r.used,
        accuracy: line.accuracy,
        ms: Math.round(r.closedAt - r.startedAt),
      },
      'round',
    );
    if (last) return this.finish();
    if ((r.round + 1) % l.checkpointEvery === 0) this.checkpoint();
  }

  private checkpoint(): void {
    const c: Checkpoint = { specHash: this.specHash, node: this.node.exportState(), learner: this.learner.getState() };
    saveCheckpoint(this.path(FILES.checkpoint), c);
    const outerHash = outerStateDigest(c.node.outer);
    this.lastCheckpoint = { round: c.node.round, paramsHash: paramsDigest(c.node.params), outerHash };
    this.metrics.checkpoints.inc();
    this.log.debug({ round: c.node.round }, 'checkpoint written');
  }

  /** The last round is done: stop training, keep serving sync and status until stopped. */
  private finish(): void {
    if (this.finished) return;
    this.node.stop();
    this.checkpoint();
    this.finished = true;
    this.log.info({ round: this.node.round, accuracy: this.lastEval?.accuracy }, 'finished');
    this.resolveFinished();
  }

  /** Round, accuracy and update traffic so far, as the extension may announce them. */
  private progress(): ProgressSummary {
    const { sent, received, accepted } = this.totals;
    const accuracy = this.lastEval?.accuracy ?? null;
    const rejected = this.metrics.rejections();
    return { round: this.node.round, accuracy, bytes: { sent, received }, accepted, rejected };
  }

  async status(): Promise<DaemonStatus> {
    const ext = this.extension?.status() ?? NO_EXTENSION_STATUS;
    const wire = await this.metrics.wireBytes();
    const listening = new Set(this.transport.listeners());
    const liveness = new Map(this.node.neighbourLiveness().map((n) => [n.peer, n]));
    return {
      peerId: this.host.peerId,
      network: this.cfg.network,
      addresses: this.host.addresses(),
      http: this.httpUrl,
      model: { specHash: this.specHash, params: this.learner.model.size, maxFrameBytes: this.transportExpect.maxBytes },
      round: this.node.round,
      phase: this.node.phase,
      finished: this.finished,
      roundsTarget: this.cfg.learning.rounds,
      accuracy: this.lastEval?.accuracy ?? null,
      testLoss: this.lastEval?.loss ?? null,
      evaluatedRound: this.lastEval?.round ?? null,
      trainLoss: this.lastRecord?.trainLoss ?? null,
      privacy: this.node.privacy,
      paramsHash: paramsDigest(this.node.params),
      outerHash: outerStateDigest(this.node.exportState().outer),
      resumedFromCheckpoint: this.resumed?.round ?? null,
      resumed: this.resumed,
      joined: this.joined,
      lastCheckpoint: this.lastCheckpoint,
      testnet: ext.testnet,
      refused: ext.refused,
      handshakeRefused: this.hello.refused(),
      isolated: this.isIsolated(),
      timerLagMs: Math.round(hostTimerLagMs()),
      neighbours: this.neighbours.list().map((id) => {
        const live = liveness.get(id);
        return {
          id,
          connected: this.host.isConnected(id),
          path: this.host.pathTo(id),
          listening: listening.has(id),
          score: this.host.score(id),
          silent: live?.silent ?? false,
          lastHeardMsAgo: live?.lastHeardAt != null ? Math.round(Date.now() - live.lastHeardAt) : null,
          missedDeadlines: live?.missedDeadlines ?? 0,
          updates: this.updatesFrom(id),
        };
      }),
      connectedPeers: this.host.connectedPeers().length,
      rejected: this.metrics.rejections(),
      transport: this.transport.stats,
      training: { steps: this.learner.stepsDone, ms: this.learner.trainingMs },
      cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      memory: processMemory(),
      bytes: { wire, updates: { sent: this.totals.sent, received: this.totals.received } },
      uptimeSeconds: (Date.now() - this.startedAt) / 1000,
    };
  }

  /** No connected neighbour once the startup wait is over: training alone, which the operator must hear of. */
  private isIsolated(): boolean {
    return this.startupWaitOver && this.neighbours.connected().length === 0;
  }

  private connectionCounts(): ConnectionCounts {
    const list = this.neighbours.list();
    const silent = this.node.neighbourLiveness().filter((n) => n.silent && list.includes(n.peer)).length;
    return {
      peers: this.host.connectedPeers().length,
      neighbours: list.length,
      neighboursConnected: this.neighbours.connected().length,
      neighboursSilent: silent,
      isolated: this.isIsolated(),
    };
  }

  /** Warn (once per spell) whenever the node finds itself with no connected neighbour. */
  private watchIsolation(): void {
    let warned = false;
    const check = (): void => {
      const isolated = this.isIsolated();
      if (isolated && !warned)
        this.log.warn(
          {
            listen: this.host.addresses(),
            bootstrap: this.cfg.bootstrap,
            connectedPeers: this.host.connectedPeers().length,
          },
          'isolated: no neighbour connected after the startup wait; training alone ' +
            '(check the listen/announce addresses and that the bootstrap nodes are reachable)',
        );
      else if (!isolated && warned) this.log.info({ neighbours: this.neighbours.connected() }, 'no longer isolated');
      warned = isolated;
    };
    check();
    this.isolationTimer = setInterval(check, 2000);
    this.isolationTimer.unref();
  }

  /** Frames received from `peer` and how many of them the node rejected. */
  private updatesFrom(peer: string): { received: number; rejected: number; accepted: number } {
    const received = this.transport.framesFrom.get(peer) ?? 0;
    const rejected = this.rejectsFrom.get(peer) ?? 0;
    return { received, rejected, accepted: Math.max(0, received - rejected) };
  }

  /** Graceful stop: stop training, flush a checkpoint, leave the topics, close everything. Idempotent. */
  stop(reason: string, o: { checkpoint: boolean } = { checkpoint: true }): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ reason, round: this.node?.round }, 'stopping');
      this.node?.stop();
      if (this.node && o.checkpoint) {
        this.checkpoint();
        this.log.info({ checkpoint: this.lastCheckpoint }, 'final checkpoint written');
      }
      this.neighbours?.stop();
      if (this.isolationTimer) clearInterval(this.isolationTimer);
      this.extension?.stop();
      for (const t of this.host?.subscriptions() ?? []) this.host.unsubscribe(t);
      await this.http?.close();
      await this.host?.stop();
      this.learner?.dispose();
      this.lock.release();
      this.log.info('stopped');
    })();
    return this.stopping;
  }
}
