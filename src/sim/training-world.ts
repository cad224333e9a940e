import { attackLabelTransform } from '../aggregate/attacks/index.ts';
import { ShardRowSampler, type RowSampler } from '../learn/batches.ts';
import { featureSize, subset, type Dataset, type TrainTest } from '../learn/dataset.ts';
import { loadDatasetCached } from '../learn/datasets/index.ts';
import { DpSgd } from '../learn/dp-sgd.ts';
import { FlatDenseTrainer } from '../learn/flat-trainer.ts';
import { Model } from '../learn/model.ts';
import type { FlatOptimizer } from '../learn/optimizer.ts';
import { Trainer, type Evaluation } from '../learn/trainer.ts';
import { initSeed, NodeLearning, taskShards } from '../task/node-learning.ts';
import type { TaskSpec } from '../task/spec.ts';
import { Rng } from '../util/rng.ts';

/** Everything needed to rebuild the same data shards and model in any thread. Plain JSON. */
export interface WorldSpec {
  readonly task: TaskSpec;
  /** Nodes, one shard each. */
  readonly nodes: number;
  /** Rounds in the run (the lr schedule spans rounds × localSteps). */
  readonly rounds: number;
  /** A data-poisoning attack (e.g. label-flip) and the nodes that train on its transformed labels. */
  readonly dataAttack?: { readonly attack: string; readonly nodes: readonly number[] };
  /** Nodes that train without DP (attackers) when the task sets node.privacy. */
  readonly nonPrivateNodes?: readonly number[];
  /** 'flat': dense models trained in plain float32 loops (FlatDenseTrainer) instead of tfjs. */
  readonly trainer?: TrainerKind;
}

export type TrainerKind = 'tfjs' | 'flat';

interface NodeLearningState {
  /** DP nodes: a copy of the shard (Poisson sampling draws from it); others train on dataset rows. */
  readonly shard: Dataset | null;
  readonly optimizer: FlatOptimizer;
  /** Rows of the shared training set. */
  readonly sampler: RowSampler;
  /** Seeded: a simulation is reproducible, and nobody in it is an adversary to hide the noise from. */
  readonly dp: DpSgd | null;
}

/**
 * The learning side of a simulation: the dataset split into per-node shards, one shared tf model,
 * and each node's optimizer and batch order. Deterministic per node, whatever thread runs it.
 */
export class TrainingWorld {
  readonly spec: WorldSpec;
  readonly data: TrainTest;
  readonly shards: Int32Array[];
  readonly model: Model;
  private readonly trainer: Trainer | null;
  private readonly flat: FlatDenseTrainer | null;
  private readonly nodes = new Map<number, NodeLearningState>();
  private readonly poisoned: Set<number>;
  private readonly poisonedLabel: ((label: number) => number) | undefined;

  constructor(spec: WorldSpec, data: TrainTest = loadDatasetCached(spec.task.dataset, spec.task.seed)) {
    this.spec = spec;
    this.data = data;
    this.shards = taskShards(spec.task, data.train, spec.nodes);
    this.model = new Model(spec.task.model, data.train);
    const flat = spec.trainer === 'flat';
    this.trainer = flat ? null : new Trainer(this.model);
    this.flat = flat
      ? new FlatDenseTrainer(spec.task.model, this.model.layout, featureSize(data.train), data.train.numClasses)
      : null;
    this.poisoned = new Set(spec.dataAttack?.nodes);
    this.poisonedLabel = spec.dataAttack && attackLabelTransform(spec.dataAttack.attack, data.train.numClasses);
  }

  initParams(node: number | 'shared'): Float32Array {
    return this.model.initParams(initSeed(this.spec.task, node));
  }

  private state(node: number): NodeLearningState {
    let s = this.nodes.get(node);
    if (!s) {
      const learning = new NodeLearning(this.spec.task, this.shards, node, this.spec.rounds);
      const rows = learning.rows;
      const dp = this.privateNode(node);
      s = {
        shard: dp ? subset(this.data.train, rows, `node${node}`) : null,
        optimizer: learning.optimizer(this.model.size),
        sampler: new ShardRowSampler(learning.sampler(), rows),
        dp: dp ? this.dpFor(learning) : null,
      };
      this.nodes.set(node, s);
    }
    return s;
  }

  private dpFor(learning: NodeLearning): DpSgd {
    const { privacy, batchSize } = this.spec.task.node;
    return new DpSgd(privacy!, this.model.size, learning.rows.length, batchSize, new Rng(learning.dpSeed));
  }

  private privateNode(node: number): boolean {
    return this.spec.task.node.privacy !== undefined && !(this.spec.nonPrivateNodes ?? []).includes(node);
  }

  /** Records in a node's shard. */
  shardSize(node: number): number {
    return this.shards[node]!.length;
  }

  /** Local steps on `params` in place; returns the mean batch loss. */
  train(node: number, params: Float32Array): number {
    const s = this.state(node);
    const labelTransform = this.poisoned.has(node) ? this.poisonedLabel : undefined;
    const steps = this.spec.task.node.localSteps;
    const o = { steps, batchSize: Math.min(this.spec.task.node.batchSize, this.shards[node]!.length), labelTransform };
    if (this.flat) return this.flat.train(params, s.optimizer, this.data.train, s.sampler, o);
    if (s.dp && s.shard) return this.tfjs().trainPrivate(params, s.optimizer, s.shard, s.dp, steps, labelTransform);
    return this.tfjs().train(params, s.optimizer, this.data.train, s.sampler, o);
  }

  evaluate(params: Float32Array, limit: number): Evaluation {
    if (this.flat) return this.flat.evaluate(params, this.data.test, limit);
    return this.tfjs().evaluate(params, this.data.test, limit);
  }

  private tfjs(): Trainer {
    if (!this.trainer) throw new Error('this world trains with the flat trainer');
    return this.trainer;
  }

  dispose(): void {
    this.model.dispose();
  }
}
