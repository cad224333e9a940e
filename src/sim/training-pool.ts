import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { TrainTest } from '../learn/dataset.ts';
import type { Evaluation } from '../learn/trainer.ts';
import type { BackendChoice } from '../learn/backend.ts';
import type { TrainingWorld, WorldSpec } from './training-world.ts';

export interface TrainResult {
  readonly params: Float32Array;
  readonly loss: number;
}

/** Runs training and evaluation jobs; results depend only on the job, never on which thread ran it. */
export interface TrainingPool {
  readonly threads: number;
  /** Wall-clock ms spent inside training and evaluation jobs (summed over threads). */
  readonly busy: { trainMs: number; evalMs: number };
  train(node: number, params: Float32Array): Promise<TrainResult>;
  evaluate(params: Float32Array, limit: number): Promise<Evaluation>;
  /** Start every job handed over so far (a pool may hold jobs back to send them in batches). */
  flush(): void;
  /** Start held-back jobs on every thread that is idle; busy ones take theirs when they finish. */
  flushIdle(): void;
  close(): Promise<void>;
}

/** Same-thread pool: the world is the one the caller built. */
export class InlinePool implements TrainingPool {
  readonly threads = 1;
  readonly busy = { trainMs: 0, evalMs: 0 };
  private readonly world: TrainingWorld;

  constructor(world: TrainingWorld) {
    this.world = world;
  }

  async train(node: number, params: Float32Array): Promise<TrainResult> {
    const t0 = performance.now();
    const copy = params.slice();
    const loss = this.world.train(node, copy);
    this.busy.trainMs += performance.now() - t0;
    return { params: copy, loss };
  }

  async evaluate(params: Float32Array, limit: number): Promise<Evaluation> {
    const t0 = performance.now();
    const e = this.world.evaluate(params, limit);
    this.busy.evalMs += performance.now() - t0;
    return e;
  }

  flush(): void {}

  flushIdle(): void {}

  async close(): Promise<void> {}
}

/** A batch of jobs for one worker: node ≥ 0 trains that node, node = −1 evaluates (on `limits`). */
export interface JobBatch {
  readonly id: number;
  readonly nodes: Int32Array;
  readonly limits: Int32Array;
  /** jobs × d parameters; trained in place and sent back. */
  readonly params: Float32Array;
}

export interface BatchReply {
  readonly id: number;
  readonly error?: string;
  readonly trainMs: number;
  readonly evalMs: number;
  readonly params: Float32Array;
  /** Per job: the training loss, or the evaluation's accuracy / loss / samples. */
  readonly loss: Float64Array;
  readonly accuracy: Float64Array;
  readonly samples: Int32Array;
}

interface PendingJob {
  readonly node: number;
  readonly limit: number;
  readonly params: Float32Array;
  readonly resolve: (r: { params: Float32Array; loss: number; accuracy: number; samples: number }) => void;
  readonly reject: (e: Error) => void;
}

/** Most parameters held back per worker before a batch goes out. */
const BATCH_FLOATS = 1 << 20;
const MAX_BATCH_JOBS = 64;

/**
 * Worker-thread pool. Node i always trains on worker i mod W, which holds that node's optimizer
 * and batch order, so results are identical to the inline pool. Evaluations go round-robin. Jobs
 * travel in batches (one message per batch each way): for small models the per-message cost is
 * larger than the training itself. A batch goes out when full or on flush().
 */
export class WorkerPool implements TrainingPool {
  readonly threads: number;
  readonly busy = { trainMs: 0, evalMs: 0 };
  private readonly workers: Worker[];
  private readonly d: number;
  private readonly maxJobs: number;
  private readonly queued: PendingJob[][];
  private readonly inFlight = new Map<number, { worker: number; jobs: PendingJob[] }>();
  private readonly busyBatches: number[];
  private nextId = 0;
  private nextEval = 0;
  private failure: Error | null = null;

  private constructor(workers: Worker[], d: number) {
    this.workers = workers;
    this.threads = workers.length;
    this.d = d;
    this.maxJobs = Math.max(1, Math.min(MAX_BATCH_JOBS, Math.floor(BATCH_FLOATS / Math.max(1, d))));
    this.queued = workers.map(() => []);
    this.busyBatches = workers.map(() => 0);
    for (const w of workers) {
      w.on('message', (r: BatchReply) => this.settle(r));
      w.on('error', (e) => this.fail(e));
    }
  }

  /** Workers share `data` (shared memory, no copies) and rebuild the same shards and model from `spec`. */
  static async start(
    spec: WorldSpec,
    data: TrainTest,
    d: number,
    threads: number,
    backend: BackendChoice,
  ): Promise<WorkerPool> {
    const url = new URL('./training-worker.ts', import.meta.url);
    const workers = Array.from({ length: threads }, () => new Worker(url, { workerData: { spec, data, backend } }));
    // Each worker says so once its world is built; until then its messages wait in its port.
    const ready = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
    );
    await Promise.all(ready);
    return new WorkerPool(workers, d);
  }

  private enqueue(
    worker: number,
    node: number,
    limit: number,
    params: Float32Array,
  ): Promise<{ params: Float32Array; loss: number; accuracy: number; samples: number }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const q = this.queued[worker]!;
      q.push({ node, limit, params: params.slice(), resolve, reject });
      if (q.length >= this.maxJobs) this.send(worker);
    });
  }

  private send(worker: number): void {
    const jobs = this.queued[worker]!;
    if (jobs.length === 0) return;
    this.queued[worker] = [];
    const id = this.nextId++;
    const d = this.d;
    const batch: JobBatch = {
      id,
      nodes: Int32Array.from(jobs, (j) => j.node),
      limits: Int32Array.from(jobs, (j) => j.limit),
      params: new Float32Array(jobs.length * d),
    };
    jobs.forEach((j, k) => batch.params.set(j.params, k * d));
    this.inFlight.set(id, { worker, jobs });
    this.busyBatches[worker]!++;
    this.workers[worker]!.postMessage(batch, [batch.params.buffer as ArrayBuffer]);
  }

  private settle(r: BatchReply): void {
    const batch = this.inFlight.get(r.id);
    this.inFlight.delete(r.id);
    if (!batch) return;
    const { worker, jobs } = batch;
    // Keep the worker busy: whatever queued up while it worked goes out as the next batch.
    if (--this.busyBatches[worker]! === 0) this.send(worker);
    if (r.error !== undefined) {
      const e = new Error(`training worker: ${r.error}`);
      for (const j of jobs) j.reject(e);
      return;
    }
    this.busy.trainMs += r.trainMs;
    this.busy.evalMs += r.evalMs;
    const d = this.d;
    jobs.forEach((j, k) =>
      j.resolve({
        params: r.params.subarray(k * d, (k + 1) * d),
        loss: r.loss[k]!,
        accuracy: r.accuracy[k]!,
        samples: r.samples[k]!,
      }),
    );
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const { jobs } of this.inFlight.values()) for (const j of jobs) j.reject(e);
    this.inFlight.clear();
    for (const q of this.queued) for (const j of q.splice(0)) j.reject(e);
  }

  async train(node: number, params: Float32Array): Promise<TrainResult> {
    const r = await this.enqueue(node % this.threads, node, 0, params);
    return { params: r.params, loss: r.loss };
  }

  async evaluate(params: Float32Array, limit: number): Promise<Evaluation> {
    const r = await this.enqueue(this.nextEval++ % this.threads, -1, limit, params);
    return { accuracy: r.accuracy, loss: r.loss, samples: r.samples };
  }

  flush(): void {
    for (let w = 0; w < this.workers.length; w++) this.send(w);
  }

  flushIdle(): void {
    for (let w = 0; w < this.workers.length; w++) if (this.busyBatches[w] === 0) this.send(w);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}
