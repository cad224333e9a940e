/** An in-memory labelled dataset: row-major features and integer labels. */
export interface Dataset {
  readonly name: string;
  /** n × featureSize values, row-major. */
  readonly x: Float32Array;
  readonly y: Uint8Array;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
}

export interface TrainTest {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** A bad dataset file or value: the message names the source and the problem. */
export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
  }
}

export function featureSize(d: Pick<Dataset, 'inputShape'>): number {
  return d.inputShape.reduce((a, b) => a * b, 1);
}

export function sampleCount(d: Dataset): number {
  return d.y.length;
}

/** A new dataset holding the given rows (copied, in the given order). */
export function subset(d: Dataset, indices: ArrayLike<number>, name = d.name): Dataset {
  const f = featureSize(d);
  const x = new Float32Array(indices.length * f);
  const y = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    x.set(d.x.subarray(r * f, (r + 1) * f), i * f);
    y[i] = d.y[r]!;
  }
  return { name, x, y, inputShape: d.inputShape, numClasses: d.numClasses };
}

/**
 * The same dataset in SharedArrayBuffers, so worker threads read it in place instead of each
 * holding a copy (a structured clone of a shared array shares its memory). Callers treat it as read-only.
 */
export function sharedCopy(d: Dataset): Dataset {
  if (typeof SharedArrayBuffer !== 'function' || d.x.buffer instanceof SharedArrayBuffer) return d;
  const x = new Float32Array(new SharedArrayBuffer(d.x.byteLength));
  x.set(d.x);
  const y = new Uint8Array(new SharedArrayBuffer(d.y.byteLength));
  y.set(d.y);
  return { ...d, x, y };
}

export function labelHistogram(labels: ArrayLike<number>, numClasses: number): number[] {
  const h = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) h[labels[i]!]!++;
  return h;
}

/** Check internal consistency; every loader calls this before handing a dataset out. */
export function checkDataset(d: Dataset, source: string): Dataset {
  const f = featureSize(d);
  if (d.y.length === 0) throw new DatasetError(source, 'no samples');
  if (d.x.length !== d.y.length * f)
    throw new DatasetError(source, `${d.x.length} feature values for ${d.y.length} samples of size ${f}`);
  for (let i = 0; i < d.y.length; i++)
    if (d.y[i]! >= d.numClasses)
      throw new DatasetError(source, `label ${d.y[i]} at sample ${i} is not below the class count ${d.numClasses}`);
  for (let i = 0; i < d.x.length; i++)
    if (!Number.isFinite(d.x[i]!))
      throw new DatasetError(source, `non-finite feature value at sample ${Math.floor(i / f)}`);
  return d;
}
