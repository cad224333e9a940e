import * as tf from '@tensorflow/tfjs';
import { gatherBatch, type RowSampler } from './batches.ts';
import { featureSize, type Dataset } from './dataset.ts';
import type { DpSgd } from './dp-sgd.ts';
import type { Model } from './model.ts';
import { readTensorInto } from './tensor-read.ts';
import type { FlatOptimizer } from './optimizer.ts';

export interface Evaluation {
  readonly accuracy: number;
  readonly loss: number;
  readonly samples: number;
}

export interface LocalTrainingOptions {
  readonly steps: number;
  readonly batchSize: number;
  /** e.g. label flipping by a Byzantine node; applied to every label it trains on. */
  readonly labelTransform?: (label: number) => number;
}

function crossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/**
 * Runs local SGD steps on a flat parameter vector. The tf model is scratch space: params (and the
 * optimizer state) belong to the caller, so one Trainer can serve many simulated nodes in turn.
 */
export class Trainer {
  readonly model: Model;
  private readonly grad: Float32Array;
  private bx = new Float32Array(0);
  private by = new Float32Array(0);
  private rows = new Int32Array(0);
  /** Poisson batches vary in size: their own buffers, grown as needed. */
  private readonly dpBatch = { rows: new Int32Array(0), x: new Float32Array(0), y: new Float32Array(0) };

  constructor(model: Model) {
    this.model = model;
    this.grad = new Float32Array(model.size);
  }

  private ensureBatch(batchSize: number): void {
    if (this.rows.length === batchSize) return;
    this.rows = new Int32Array(batchSize);
    this.bx = new Float32Array(batchSize * featureSize(this.model.shape));
    this.by = new Float32Array(batchSize * this.model.shape.numClasses);
  }

  /** One gradient step on the given rows; returns the batch loss. Updates `params` in place. */
  private step(
    params: Float32Array,
    opt: FlatOptimizer,
    data: Dataset,
    rows: Int32Array,
    labelTransform?: (l: number) => number,
  ): number {
    const b = rows.length;
    gatherBatch(data, rows, this.bx, this.by, labelTransform);
    const { model, grad } = this;
    const loss = tf.tidy(() => {
      const xs = tf.tensor(
        this.bx.subarray(0, b * featureSize(model.shape)),
        [b, ...model.shape.inputShape],
        'float32',
      );
      const ys = tf.tensor2d(this.by.subarray(0, b * model.shape.numClasses), [b, model.shape.numClasses], 'float32');
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.logits(xs), ys), model.variables);
      model.layout.entries.forEach((e, i) => readTensorInto(grads[model.variables[i]!.name]!, grad, e.offset));
      return value.dataSync()[0]!;
    });
    opt.apply(params, grad);
    model.load(params);
    return loss;
  }

  /** `steps` minibatches from `sampler` over `data`; mean batch loss. */
  train(params: Float32Array, opt: FlatOptimizer, data: Dataset, sampler: RowSampler, o: LocalTrainingOptions): number {
    if (o.steps <= 0) return NaN;
    opt.beginRound(params);
    this.model.load(params);
    this.ensureBatch(Math.min(o.batchSize, data.y.length));
    let total = 0;
    for (let s = 0; s < o.steps; s++) total += this.step(params, opt, data, sampler.next(this.rows), o.labelTransform);
    return total / o.steps;
  }

  /**
   * `steps` differentially private steps (Poisson-sampled minibatches, clipped per-example
   * gradients, noise: see dp-sgd.ts); mean loss over the non-empty batches.
   */
  trainPrivate(
    params: Float32Array,
    opt: FlatOptimizer,
    data: Dataset,
    dp: DpSgd,
    steps: number,
    labelTransform?: (l: number) => number,
  ): number {
    if (steps <= 0) return NaN;
    opt.beginRound(params);
    const { model, grad } = this;
    model.load(params);
    const n = data.y.length;
    const f = featureSize(model.shape);
    const c = model.shape.numClasses;
    const batch = this.dpBatch;
    let lossTotal = 0;
    let batches = 0;
    for (let s = 0; s < steps; s++) {
      const b = dp.sampleRows(n, batch);
      if (batch.x.length < b * f) {
        batch.x = new Float32Array(2 * b * f);
        batch.y = new Float32Array(2 * b * c);
      }
      if (b > 0) gatherBatch(data, batch.rows.subarray(0, b), batch.x, batch.y, labelTransform);
      const lossSum = tf.tidy(() => {
        const xs = b > 0 ? tf.tensor(batch.x.subarray(0, b * f), [b, ...model.shape.inputShape], 'float32') : null;
        const ys = b > 0 ? tf.tensor2d(batch.y.subarray(0, b * c), [b, c], 'float32') : null;
        return dp.gradient(model, xs, ys, b, grad);
      });
      if (b > 0) {
        lossTotal += lossSum / b;
        batches++;
      }
      opt.apply(params, grad);
      model.load(params);
    }
    return batches > 0 ? lossTotal / batches : NaN;
  }

  /** Accuracy and mean cross-entropy of `params` on `data` (or its first `limit` samples). */
  evaluate(params: Float32Array, data: Dataset, limit = data.y.length, batchSize = 1000): Evaluation {
    this.model.load(params);
    const n = Math.min(limit, data.y.length);
    const f = featureSize(data);
    const c = data.numClasses;
    let correct = 0;
    let lossSum = 0;
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const logits = tf.tidy(() => {
        const xs = tf.tensor(data.x.subarray(start * f, (start + b) * f), [b, ...data.inputShape], 'float32');
        return this.model.logits(xs).dataSync() as Float32Array;
      });
      for (let i = 0; i < b; i++) {
        const row = logits.subarray(i * c, (i + 1) * c);
        let best = 0;
        let max = -Infinity;
        for (let k = 0; k < c; k++) if (row[k]! > max) [max, best] = [row[k]!, k];
        let sumExp = 0;
        for (let k = 0; k < c; k++) sumExp += Math.exp(row[k]! - max);
        const label = data.y[start + i]!;
        lossSum += Math.log(sumExp) + max - row[label]!;
        if (best === label) correct++;
      }
    }
    return { accuracy: correct / n, loss: lossSum / n, samples: n };
  }
}
