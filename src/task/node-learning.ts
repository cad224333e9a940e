/**
 * The one builder of a node's learning state from its task: the dataset split into shards, node i's
 * batch order, optimizer and seeds. The simulator (src/sim/training-world.ts) and the daemon
 * (src/daemon/learner.ts) both build through here, so daemon i trains what simulated node i trains.
 */
import { BatchSampler } from '../learn/batches.ts';
import type { Dataset } from '../learn/dataset.ts';
import { FlatOptimizer } from '../learn/optimizer.ts';
import { partition } from '../learn/partition.ts';
import { deriveSeed } from '../util/rng.ts';
import type { TaskSpec } from './spec.ts';

/** Which node's init: node i's own (init "independent"), or the one every node shares. */
export type InitChoice = number | 'shared';

/** Seed of the init parameters (Model.initParams) for a node, or the shared one. */
export function initSeed(task: TaskSpec, which: InitChoice): number {
  return deriveSeed(task.seed, 'init', which);
}

/** Seed of node `index`'s LearningNode (its own randomness: codec draws, MoDeST, attacks). */
export function nodeSeed(task: TaskSpec, index: number): number {
  return deriveSeed(task.seed, 'node', index);
}

/** Rows of `train` in each of `count` shards, as every node of the task splits them. */
export function taskShards(task: TaskSpec, train: Dataset, count: number): Int32Array[] {
  return partition(task.partition, train.y, train.numClasses, count, deriveSeed(task.seed, 'partition'));
}

/** Node `index`'s learning state, built the same way wherever the node runs. */
export class NodeLearning {
  readonly task: TaskSpec;
  readonly index: number;
  /** Rows of the training set in this node's shard. */
  readonly rows: Int32Array;
  /** Local steps in the run (the lr schedule spans them); Infinity when the run length is open. */
  readonly totalSteps: number;

  /** `rounds`: the run's length (0: open-ended, no lr schedule). */
  constructor(task: TaskSpec, shards: readonly Int32Array[], index: number, rounds: number) {
    const rows = shards[index];
    if (!rows) throw new Error(`node ${index}: no such shard (${shards.length} shards)`);
    this.task = task;
    this.index = index;
    this.rows = rows;
    this.totalSteps = rounds > 0 ? rounds * task.node.localSteps : Infinity;
  }

  /** A fresh batch order over the shard's positions 0..rows.length-1 (seeded per node). */
  sampler(): BatchSampler {
    return new BatchSampler(this.rows.length, deriveSeed(this.task.seed, 'batches', this.index));
  }

  /** A fresh optimizer for a model of `size` parameters. */
  optimizer(size: number): FlatOptimizer {
    return new FlatOptimizer(this.task.node.optimizer, size, this.totalSteps);
  }

  /** Seed of this node's own init (init "independent"). */
  get initSeed(): number {
    return initSeed(this.task, this.index);
  }

  /** Seed of the simulator's DP noise and Poisson sampling (a daemon draws them from the CSPRNG instead). */
  get dpSeed(): number {
    return deriveSeed(this.task.seed, 'dp', this.index);
  }
}
