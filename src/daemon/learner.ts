/**
 * One daemon's local learning: its data shard (split exactly as the simulator splits the dataset),
 * the tf model, optimizer and batch order. Implements the node's LocalLearner with the real clock.
 */
import type { LocalLearner } from '../core/interfaces.ts';
import type { BatchSampler } from '../learn/batches.ts';
import { subset, type Dataset, type TrainTest } from '../learn/dataset.ts';
import { DpSgd } from '../learn/dp-sgd.ts';
import { Model } from '../learn/model.ts';
import type { FlatOptimizer, OptimizerState } from '../learn/optimizer.ts';
import { Trainer, type Evaluation } from '../learn/trainer.ts';
import { samplingRate } from '../privacy/config.ts';
import { SecureRandom } from '../privacy/secure-random.ts';
import { initSeed, NodeLearning, taskShards } from '../task/node-learning.ts';
import type { TaskSpec } from '../task/spec.ts';
import { nextTurn } from '../util/next-turn.ts';

/** Which shard this daemon trains on and for how long (a daemon config's `learning` section, or a tab's). */
export interface LearnerPlacement {
  readonly partitionIndex: number;
  readonly partitionCount: number;
  /** 0: open-ended (no lr schedule). */
  readonly rounds: number;
}

export interface LearnerState {
  readonly optimizer: OptimizerState;
  /** Minibatch rows drawn so far: replaying that many draws restores the batch order exactly. */
  readonly samplesDrawn: number;
}

export class DaemonLearner implements LocalLearner {
  readonly model: Model;
  readonly shard: Dataset;
  readonly test: Dataset;
  private readonly task: TaskSpec;
  private readonly learning: NodeLearning;
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
  constructor(task: TaskSpec, placement: LearnerPlacement, data: TrainTest) {
    this.task = task;
    const index = placement.partitionIndex;
    const shards = taskShards(task, data.train, placement.partitionCount);
    this.learning = new NodeLearning(task, shards, index, placement.rounds);
    this.shard = subset(data.train, this.learning.rows, `node${index}`);
    this.test = data.test;
    this.model = new Model(task.model, data.train);
    this.trainer = new Trainer(this.model);
    this.optimizer = this.learning.optimizer(this.model.size);
    this.sampler = this.learning.sampler();
    this.batchSize = Math.min(task.node.batchSize, this.shard.y.length);
    const p = task.node.privacy;
    this.dp = p ? new DpSgd(p, this.model.size, this.shard.y.length, task.node.batchSize, new SecureRandom()) : null;
  }

  /** Poisson sampling rate of this node's DP steps. */
  get samplingRate(): number {
    return samplingRate(this.task.node.batchSize, this.shard.y.length);
  }

  /** The same initial parameters the simulator gives node `partitionIndex` (or the shared init). */
  initParams(which: 'shared' | 'own'): Float32Array {
    return this.model.initParams(which === 'shared' ? initSeed(this.task, 'shared') : this.learning.initSeed);
  }

  /** Trains on the next turn of the event loop, so network events are handled between rounds. */
  train(_round: number, params: Float32Array, done: (loss: number) => void): void {
    nextTurn(() => {
      const t0 = performance.now();
      const steps = this.task.node.localSteps;
      let loss: number;
      if (this.dp) loss = this.trainer.trainPrivate(params, this.optimizer, this.shard, this.dp, steps);
      else {
        const o = { steps, batchSize: this.task.node.batchSize };
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
    this.sampler = this.learning.sampler();
    const skip = new Int32Array(4096);
    for (let left = s.samplesDrawn; left > 0; left -= skip.length)
      this.sampler.next(left >= skip.length ? skip : skip.subarray(0, left));
    this.samplesDrawn = s.samplesDrawn;
  }

  dispose(): void {
    this.model.dispose();
  }
}
