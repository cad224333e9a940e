import { Rng } from '../util/rng.ts';
import { featureSize, type Dataset } from './dataset.ts';

/** Anything that fills a buffer with the next minibatch's row indices. */
export interface RowSampler {
  next(out: Int32Array): Int32Array;
}

/**
 * Rows of a shard that lives inside a larger dataset: the shard's own sampler picks positions,
 * `rows` maps them to dataset rows, so no node needs a copy of its shard.
 */
export class ShardRowSampler implements RowSampler {
  private readonly inner: RowSampler;
  private readonly rows: Int32Array;

  constructor(inner: RowSampler, rows: Int32Array) {
    this.inner = inner;
    this.rows = rows;
  }

  next(out: Int32Array): Int32Array {
    this.inner.next(out);
    for (let i = 0; i < out.length; i++) out[i] = this.rows[out[i]!]!;
    return out;
  }
}

/** Epoch-style minibatches: a seeded reshuffle each pass, so every sample is seen once per epoch. */
export class BatchSampler implements RowSampler {
  private readonly order: Int32Array;
  private cursor: number;
  private readonly rng: Rng;
  epochs = 0;

  constructor(sampleCount: number, seed: number) {
    if (sampleCount < 1) throw new Error('cannot sample batches from an empty dataset');
    this.order = new Int32Array(sampleCount);
    for (let i = 0; i < sampleCount; i++) this.order[i] = i;
    this.rng = new Rng(seed);
    this.cursor = sampleCount;
  }

  /** Fill `out` with the next row indices (wrapping into a fresh epoch as needed). */
  next(out: Int32Array): Int32Array {
    for (let i = 0; i < out.length; i++) {
      if (this.cursor >= this.order.length) {
        this.rng.shuffle(this.order);
        this.cursor = 0;
        this.epochs++;
      }
      out[i] = this.order[this.cursor++]!;
    }
    return out;
  }
}

/** Copy rows of a dataset into a dense batch buffer and one-hot label buffer. */
export function gatherBatch(
  data: Dataset,
  rows: ArrayLike<number>,
  x: Float32Array,
  oneHot: Float32Array,
  labelTransform?: (label: number) => number,
): void {
  const f = featureSize(data);
  const c = data.numClasses;
  oneHot.fill(0, 0, rows.length * c);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    x.set(data.x.subarray(r * f, (r + 1) * f), i * f);
    const label = labelTransform ? labelTransform(data.y[r]!) : data.y[r]!;
    oneHot[i * c + label] = 1;
  }
}
