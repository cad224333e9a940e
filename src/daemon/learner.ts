/**
 * One daemon's local learning: its data shard (split exactly as the simulator splits the dataset),
 * the tf model, optimizer and batch order. Implements the node's LocalLearner with the real clock.
 */
import type { LocalLearner } from '../core/interfaces.ts';
import { BatchSampler } from '../learn/batches.ts';
import { subset, type Dataset, type TrainTest } from '../learn/dataset.ts';
import { DpSgd } from '../learn/dp-sgd.ts';
import { Model } from '../learn/model.ts';
import { FlatOptimizer, type OptimizerState } from '../learn/optimizer.ts';
import { partition } from '../learn/partition.ts';
import { Trainer, type Evaluation } from '../learn/trainer.ts';
import { samplingRate } from '../privacy/config.ts';
import { SecureRandom } from '../privacy/secure-random.ts';
import { nextTurn } from '../util/next-turn.ts';
import { deriveSeed } from '../util/rng.ts';
import type { LearningConfig } from './config.ts';

export interface LearnerState {
  readonly optimizer: OptimizerState;
  /** Minibatch rows drawn so far: replaying that many draws restores the batch order exactly. */
  readonly samplesDrawn: number;
}

export class DaemonLearner implements LocalLearner {
  readonly model: Model;
  readonly shard: Dataset;
  readonly test: Dataset;
  private readonly cfg: LearningConfig;
  private readonly trainer: Trainer;
  private readonly optimizer: FlatOptimizer;
  private sampler: BatchSampler;
  private samplesDrawn = 0;
  private readonly batchSize: number;
  /**
   * DP training state; its noise and batches come from the CSPRNG, never from the (public) seed.
   * DiceSGD's error e is not checkpointed: after a restart it starts again from 0, which costs
   * accuracy for a few steps and no privacy.
   */
  private readonly dp: DpSgd | null;
  /** Milliseconds spent in local steps, summed (for benchmarks). */
  trainingMs = 0;
  stepsDone = 0;

  /** `data`: the task's dataset, loaded and split by the caller (from files, or fetched in a browser). */
  constructor(cfg: LearningConfig, data: TrainTest) {
    this.cfg = cfg;
    const shards = partition(cfg.partition, data.train.y, data.train.numClasses, cfg.partitionCount, deriveSeed(cfg.seed, 'partition'));
    this.shard = subset(data.train, shards[cfg.partitionIndex]!, `node${cfg.partitionIndex}`);
    this.test = data.test;
    this.model = new Model(cfg.model, data.train);
    this.trainer = new Trainer(this.model);
    const total = cfg.rounds > 0 ? cfg.rounds * cfg.node.localSteps : Infinity;
    this.optimizer = new FlatOptimizer(cfg.node.optimizer, this.model.size, total);
    this.sampler = this.freshSampler();
    this.batchSize = Math.min(cfg.node.batchSize, this.shard.y.length);
    const p = cfg.node.privacy;
    this.dp = p ? new DpSgd(p, this.model.size, this.shard.y.length, cfg.node.batchSize, new SecureRandom()) : null;
  }

  /** Poisson sampling rate of this node's DP steps. */
  get samplingRate(): number {
    return samplingRate(this.cfg.node.batchSize, this.shard.y.length);
  }

  private freshSampler(): BatchSampler {
    return new BatchSampler(this.shard.y.length, deriveSeed(this.cfg.seed, 'batches', this.cfg.partitionIndex));
  }

  /** The same initial parameters the simulator gives node `partitionIndex` (or the shared init). */
  initParams(which: 'shared' | 'own'): Float32Array {
    return this.model.initParams(deriveSeed(this.cfg.seed, 'init', which === 'shared' ? 'shared' : this.cfg.partitionIndex));
  }

  /** Trains on the next turn of the event loop, so network events are handled between rounds. */
  train(_round: number, params: Float32Array, done: (loss: number) => void): void {
    nextTurn(() => {
      const t0 = performance.now();
      const steps = this.cfg.node.localSteps;
      let loss: number;
      if (this.dp) loss = this.trainer.trainPrivate(params, this.optimizer, this.shard, this.dp, steps);
      else {
        const o = { steps, batchSize: this.cfg.node.batchSize };
        loss = this.trainer.train(params, this.optimizer, this.shard, this.sampler, o);
        this.samplesDrawn += steps * this.batchSize;
      }
      this.trainingMs += performance.now() - t0;
      this.stepsDone += steps;
      done(loss);
    });
  }

  evaluate(params: Float32Array, limit: number): Evaluation {
    return this.trainer.evaluate(params, this.test, limit);
  }

  getState(): LearnerState {
    return { optimizer: this.optimizer.getState(), samplesDrawn: this.samplesDrawn };
  }

  setState(s: LearnerState): void {
    this.optimizer.setState(s.optimizer);
    this.sampler = this.freshSampler();
    const skip = new Int32Array(4096);
    for (let left = s.samplesDrawn; left > 0; left -= skip.length) this.sampler.next(left >= skip.length ? skip : skip.subarray(0, left));
    this.samplesDrawn = s.samplesDrawn;
  }

  dispose(): void {
    this.model.dispose();
  }
}
