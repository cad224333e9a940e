import type { RowSampler } from './batches.ts';
import { featureSize, type Dataset } from './dataset.ts';
import type { ParamLayout } from './layout.ts';
import type { ModelSpec } from './model-spec.ts';
import type { FlatOptimizer } from './optimizer.ts';
import type { Evaluation, LocalTrainingOptions } from './trainer.ts';

interface DenseLayer {
  readonly inSize: number;
  readonly outSize: number;
  readonly kernel: number;
  readonly bias: number;
}

/** The models the flat trainer can run: stacks of dense layers with ReLU between them. */
export function flatTrainerSupports(spec: ModelSpec): boolean {
  return spec.type === 'logreg' || spec.type === 'mlp';
}

const EVAL_CHUNK = 256;

/**
 * Local SGD for dense models (logreg, MLP) directly on the flat parameter vector, in float32 with
 * plain loops: the same forward pass, softmax cross-entropy and gradients as the tfjs Trainer, but
 * without tfjs's per-op cost, which dominates for small models and batches (a simulated node of
 * logreg on 32 features trains ~100x faster). Results agree with tfjs to float rounding, not bit for
 * bit (test/flat-trainer.test.ts), which is why the simulator only uses it when asked.
 */
export class FlatDenseTrainer {
  readonly layout: ParamLayout;
  private readonly layers: DenseLayer[];
  private readonly classes: number;
  private readonly grad: Float32Array;
  /** acts[l]: input of layer l + 1 (post-ReLU) for the batch; the last one holds the logits. */
  private acts: Float32Array[] = [];
  private deltas: Float32Array[] = [];
  private readonly transposed: Float32Array[];
  /** Per layer and batch row: the input's non-zero positions and values, and how many. */
  private nzIndex: Int32Array[] = [];
  private nzValue: Float32Array[] = [];
  private nzCount: Int32Array[] = [];
  private rows = new Int32Array(0);
  private labels = new Int32Array(0);
  private capacity = 0;

  constructor(spec: ModelSpec, layout: ParamLayout, inputSize: number, classes: number) {
    if (!flatTrainerSupports(spec)) throw new Error(`the flat trainer runs logreg and mlp models, not ${spec.type}`);
    const sizes = [inputSize, ...(spec.type === 'mlp' ? spec.hidden : []), classes];
    this.layers = sizes.slice(1).map((outSize, l) => {
      const k = layout.entries[2 * l];
      const b = layout.entries[2 * l + 1];
      if (!k || !b || k.size !== sizes[l]! * outSize || b.size !== outSize)
        throw new Error(`layout does not match a dense layer ${l}`);
      return { inSize: sizes[l]!, outSize, kernel: k.offset, bias: b.offset };
    });
    if (layout.entries.length !== 2 * this.layers.length)
      throw new Error('layout has more entries than the dense layers');
    this.layout = layout;
    this.classes = classes;
    this.grad = new Float32Array(layout.totalSize);
    this.transposed = this.layers.map((l) => new Float32Array(l.inSize * l.outSize));
  }

  private ensure(batch: number): void {
    if (batch <= this.capacity) return;
    this.capacity = batch;
    this.acts = this.layers.map((l) => new Float32Array(batch * l.outSize));
    this.deltas = this.layers.map((l) => new Float32Array(batch * l.outSize));
    this.nzIndex = this.layers.map((l) => new Int32Array(batch * l.inSize));
    this.nzValue = this.layers.map((l) => new Float32Array(batch * l.inSize));
    this.nzCount = this.layers.map(() => new Int32Array(batch));
    this.rows = new Int32Array(batch);
    this.labels = new Int32Array(batch);
  }

  /** Each kernel as [out][in], so that every output is one dot product over the input's non-zeros. */
  private transposeKernels(params: Float32Array): void {
    this.layers.forEach(({ inSize, outSize, kernel }, l) => {
      const t = this.transposed[l]!;
      for (let i = 0; i < inSize; i++) {
        const w = kernel + i * outSize;
        for (let j = 0; j < outSize; j++) t[j * inSize + i] = params[w + j]!;
      }
    });
  }

  /**
   * Logits of `b` rows (dataset rows rows[0..b), or consecutive from `first`) into the last acts
   * buffer, using the kernels as last transposed. Each layer's input is first reduced to its
   * non-zero entries (most MNIST pixels and every inactive ReLU are zero), kept for the backward pass.
   */
  private forward(
    params: Float32Array,
    data: Dataset,
    b: number,
    rows: Int32Array | null,
    first: number,
  ): Float32Array {
    const f = featureSize(data);
    const last = this.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const { inSize, outSize, bias } = this.layers[l]!;
      const wt = this.transposed[l]!;
      const out = this.acts[l]!;
      const input = l === 0 ? data.x : this.acts[l - 1]!;
      const nzIndex = this.nzIndex[l]!;
      const nzValue = this.nzValue[l]!;
      const nzCount = this.nzCount[l]!;
      for (let s = 0; s < b; s++) {
        const inBase = l === 0 ? (rows ? rows[s]! : first + s) * f : s * inSize;
        const nzBase = s * inSize;
        let nz = 0;
        for (let i = 0; i < inSize; i++) {
          const v = input[inBase + i]!;
          if (v !== 0) {
            nzIndex[nzBase + nz] = i;
            nzValue[nzBase + nz] = v;
            nz++;
          }
        }
        nzCount[s] = nz;
        const o = s * outSize;
        const dense = 2 * nz > inSize;
        for (let j = 0; j < outSize; j++) {
          const row = j * inSize;
          let z = 0;
          if (dense) for (let i = 0; i < inSize; i++) z += input[inBase + i]! * wt[row + i]!;
          else for (let k = nzBase; k < nzBase + nz; k++) z += nzValue[k]! * wt[row + nzIndex[k]!]!;
          z = Math.fround(z) + params[bias + j]!;
          out[o + j] = l < last && z < 0 ? 0 : z;
        }
      }
    }
    return this.acts[last]!;
  }

  /** Mean softmax cross-entropy of the logits; writes (softmax − one-hot) / b into `delta`. */
  private lossAndDelta(logits: Float32Array, b: number, delta: Float32Array): number {
    const c = this.classes;
    let loss = 0;
    for (let s = 0; s < b; s++) {
      const o = s * c;
      let max = -Infinity;
      for (let k = 0; k < c; k++) if (logits[o + k]! > max) max = logits[o + k]!;
      let sum = 0;
      for (let k = 0; k < c; k++) sum += Math.exp(logits[o + k]! - max);
      const lse = max + Math.log(sum);
      const y = this.labels[s]!;
      loss += lse - logits[o + y]!;
      for (let k = 0; k < c; k++) delta[o + k] = (Math.exp(logits[o + k]! - lse) - (k === y ? 1 : 0)) / b;
    }
    return loss / b;
  }

  private backward(params: Float32Array, b: number): void {
    const grad = this.grad;
    grad.fill(0);
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const { inSize, outSize, kernel, bias } = this.layers[l]!;
      const delta = this.deltas[l]!;
      const nzIndex = this.nzIndex[l]!;
      const nzValue = this.nzValue[l]!;
      const nzCount = this.nzCount[l]!;
      for (let s = 0; s < b; s++) {
        const o = s * outSize;
        for (let j = 0; j < outSize; j++) grad[bias + j] = grad[bias + j]! + delta[o + j]!;
        const nzBase = s * inSize;
        for (let k = nzBase; k < nzBase + nzCount[s]!; k++) {
          const v = nzValue[k]!;
          const w = kernel + nzIndex[k]! * outSize;
          for (let j = 0; j < outSize; j++) grad[w + j] = grad[w + j]! + v * delta[o + j]!;
        }
      }
      if (l === 0) break;
      // Into the previous layer's pre-activations: through the kernel, then the ReLU mask.
      const below = this.deltas[l - 1]!;
      const act = this.acts[l - 1]!;
      for (let s = 0; s < b; s++) {
        const o = s * outSize;
        for (let i = 0; i < inSize; i++) {
          if (act[s * inSize + i]! <= 0) {
            below[s * inSize + i] = 0;
            continue;
          }
          const w = kernel + i * outSize;
          let sum = 0;
          for (let j = 0; j < outSize; j++) sum += delta[o + j]! * params[w + j]!;
          below[s * inSize + i] = sum;
        }
      }
    }
  }

  /** `o.steps` minibatches of dataset rows from `sampler`; updates `params` in place, returns the mean batch loss. */
  train(params: Float32Array, opt: FlatOptimizer, data: Dataset, sampler: RowSampler, o: LocalTrainingOptions): number {
    if (o.steps <= 0) return NaN;
    const batch = o.batchSize;
    if (params.length !== this.layout.totalSize)
      throw new Error(`parameter vector has ${params.length} values, model expects ${this.layout.totalSize}`);
    this.ensure(batch);
    const rows = this.rows.subarray(0, batch);
    const last = this.layers.length - 1;
    let total = 0;
    for (let step = 0; step < o.steps; step++) {
      sampler.next(rows);
      for (let s = 0; s < batch; s++) {
        const y = data.y[rows[s]!]!;
        this.labels[s] = o.labelTransform ? o.labelTransform(y) : y;
      }
      this.transposeKernels(params);
      const logits = this.forward(params, data, batch, rows, 0);
      total += this.lossAndDelta(logits, batch, this.deltas[last]!);
      this.backward(params, batch);
      opt.apply(params, this.grad);
    }
    return total / o.steps;
  }

  /** Accuracy and mean cross-entropy on the first `limit` samples of `data`. */
  evaluate(params: Float32Array, data: Dataset, limit = data.y.length): Evaluation {
    this.ensure(EVAL_CHUNK);
    this.transposeKernels(params);
    const n = Math.min(limit, data.y.length);
    const c = this.classes;
    let correct = 0;
    let lossSum = 0;
    for (let start = 0; start < n; start += EVAL_CHUNK) {
      const b = Math.min(EVAL_CHUNK, n - start);
      const logits = this.forward(params, data, b, null, start);
      for (let s = 0; s < b; s++) {
        const o = s * c;
        let best = 0;
        let max = -Infinity;
        for (let k = 0; k < c; k++) if (logits[o + k]! > max) [max, best] = [logits[o + k]!, k];
        let sumExp = 0;
        for (let k = 0; k < c; k++) sumExp += Math.exp(logits[o + k]! - max);
        const label = data.y[start + s]!;
        lossSum += Math.log(sumExp) + max - logits[o + label]!;
        if (best === label) correct++;
      }
    }
    return { accuracy: correct / n, loss: lossSum / n, samples: n };
  }
}
