/** The daemon's Prometheus metrics (prom-client), next to libp2p's own in the same registry. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RoundRecord } from '../core/round-record.ts';
import { hostTimerLagMs } from '../core/wall-clock.ts';
import { promtoolCompatible } from './exposition.ts';

export interface ConnectionCounts {
  readonly peers: number;
  readonly neighbours: number;
  readonly neighboursConnected: number;
  readonly neighboursSilent: number;
  readonly isolated: boolean;
}

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly round = new Gauge({
    name: 'gl_round',
    help: 'next round this node will run',
    registers: [this.registry],
  });
  private readonly rounds = new Counter({
    name: 'gl_rounds_total',
    help: 'rounds completed by this process',
    registers: [this.registry],
  });
  private readonly accuracy = new Gauge({
    name: 'gl_accuracy',
    help: 'test accuracy at the last evaluation',
    registers: [this.registry],
  });
  private readonly testLoss = new Gauge({
    name: 'gl_test_loss',
    help: 'test loss at the last evaluation',
    registers: [this.registry],
  });
  private readonly trainLoss = new Gauge({
    name: 'gl_train_loss',
    help: 'mean minibatch loss of the last round',
    registers: [this.registry],
  });
  private readonly bytesSent = new Counter({
    name: 'gl_bytes_sent_total',
    help: 'update bytes sent (copies × size)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly bytesRecv = new Counter({
    name: 'gl_bytes_received_total',
    help: 'update bytes received',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly accepted = new Counter({
    name: 'gl_updates_accepted_total',
    help: 'neighbour updates accepted',
    registers: [this.registry],
  });
  private readonly rejected = new Counter({
    name: 'gl_updates_rejected_total',
    help: 'updates or syncs rejected, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly handshakes = new Counter({
    name: 'gl_handshakes_refused_total',
    help: 'hello handshakes failed or refused, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly resyncs = new Counter({
    name: 'gl_resyncs_total',
    help: 'CHOCO resyncs over the sync protocol',
    registers: [this.registry],
  });
  private readonly used = new Gauge({
    name: 'gl_round_neighbours_used',
    help: 'neighbour models in the last aggregate',
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'gl_round_duration_seconds',
    help: 'wall time from the start of a round to its close',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  /** Read at every scrape, from the same state /status shows. */
  private connections: () => ConnectionCounts = () => ({
    peers: 0,
    neighbours: 0,
    neighboursConnected: 0,
    neighboursSilent: 0,
    isolated: false,
  });
  readonly connectionGauges = [
    this.liveGauge('gl_peers_connected', 'connected libp2p peers', (c) => c.peers),
    this.liveGauge('gl_neighbours', 'current neighbours (configured or auto)', (c) => c.neighbours),
    this.liveGauge('gl_neighbours_connected', 'neighbours currently connected', (c) => c.neighboursConnected),
    this.liveGauge(
      'gl_neighbours_silent',
      'neighbours silent for deadlines, not in the quorum',
      (c) => c.neighboursSilent,
    ),
    this.liveGauge('gl_isolated', '1: no neighbour connected after the startup wait', (c) => (c.isolated ? 1 : 0)),
  ];
  /** Read at every scrape: the lag that also sets the floor of the round deadline (core/timer-lag.ts). */
  readonly timerLag = new Gauge({
    name: 'gl_timer_lag_seconds',
    help: "largest delay of this process's timers in the last ~6 s; the round deadline stays above twice it",
    registers: [this.registry],
    collect() {
      this.set(hostTimerLagMs() / 1000);
    },
  });
  readonly checkpoints = new Counter({
    name: 'gl_checkpoints_total',
    help: 'checkpoints written',
    registers: [this.registry],
  });
  private readonly privacyEpsilon = new Gauge({
    name: 'gl_privacy_epsilon',
    help: 'differential privacy ε spent so far (RDP accountant, at the configured δ)',
    registers: [this.registry],
  });
  private readonly privacySteps = new Gauge({
    name: 'gl_privacy_steps',
    help: 'DP-SGD steps taken so far',
    registers: [this.registry],
  });
  private readonly privacyStopped = new Gauge({
    name: 'gl_privacy_budget_reached',
    help: '1 once targetEpsilon stopped training and publishing',
    registers: [this.registry],
  });
  private readonly rejectedByReason: Record<string, number> = {};

  private liveGauge(name: string, help: string, read: (c: ConnectionCounts) => number): Gauge {
    const metrics = this;
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read(metrics.connections()));
      },
    });
  }

  /** Where the connection gauges read from (the daemon's live state). */
  observeConnections(read: () => ConnectionCounts): void {
    this.connections = read;
  }

  onRound(r: RoundRecord, nextRound: number): void {
    this.round.set(nextRound);
    this.rounds.inc();
    if (Number.isFinite(r.trainLoss)) this.trainLoss.set(r.trainLoss);
    this.bytesSent.inc({ kind: 'payload' }, r.bytesSentPayload);
    this.bytesSent.inc({ kind: 'meta' }, r.bytesSentMeta);
    this.bytesRecv.inc({ kind: 'payload' }, r.bytesRecvPayload);
    this.bytesRecv.inc({ kind: 'meta' }, r.bytesRecvMeta);
    this.accepted.inc(r.accepted);
    this.resyncs.inc(r.resyncs);
    this.used.set(r.used);
    this.duration.observe(Math.max(0, r.closedAt - r.startedAt) / 1000);
  }

  onReject(reason: string): void {
    this.rejected.inc({ reason });
    this.rejectedByReason[reason] = (this.rejectedByReason[reason] ?? 0) + 1;
  }

  onHandshakeRefused(reason: string): void {
    this.handshakes.inc({ reason });
  }

  onEvaluation(accuracy: number, loss: number): void {
    this.accuracy.set(accuracy);
    this.testLoss.set(loss);
  }

  onPrivacy(p: { epsilon: number; steps: number; stopped: boolean }): void {
    this.privacyEpsilon.set(p.epsilon);
    this.privacySteps.set(p.steps);
    this.privacyStopped.set(p.stopped ? 1 : 0);
  }

  setRound(round: number): void {
    this.round.set(round);
  }

  rejections(): Readonly<Record<string, number>> {
    return { ...this.rejectedByReason };
  }

  /** libp2p's data-transfer counters, e.g. {"global sent": n, "/meshsub/1.1.0 received": m}. */
  async wireBytes(): Promise<Record<string, number>> {
    const metric = this.registry.getSingleMetric('libp2p_data_transfer_bytes_total');
    const out: Record<string, number> = {};
    if (!metric) return out;
    for (const v of (await metric.get()).values) out[String(v.labels.protocol)] = v.value;
    return out;
  }

  /** The exposition, with libp2p's non-counter `_total` names fixed so promtool accepts it. */
  async text(): Promise<string> {
    return promtoolCompatible(await this.registry.metrics());
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
