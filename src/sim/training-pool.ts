import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
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

  async close(): Promise<void> {}
}

type Reply = { id: number; ok: true; ms: number; params?: Float32Array; loss?: number; evaluation?: Evaluation } | { id: number; ok: false; error: string };

/**
 * Worker-thread pool. Node i always trains on worker i mod W, which holds that node's optimizer
 * and batch order, so results are identical to the inline pool. Evaluations go round-robin.
 */
export class WorkerPool implements TrainingPool {
  readonly threads: number;
  readonly busy = { trainMs: 0, evalMs: 0 };
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private nextEval = 0;

  private constructor(workers: Worker[]) {
    this.workers = workers;
    this.threads = workers.length;
    for (const w of workers) {
      w.on('message', (r: Reply) => {
        const p = this.pending.get(r.id);
        this.pending.delete(r.id);
        p?.resolve(r);
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
    }
  }

  static async start(spec: WorldSpec, threads: number, backend: BackendChoice): Promise<WorkerPool> {
    const workers = Array.from({ length: threads }, () => new Worker(new URL('./training-worker.ts', import.meta.url), { workerData: { spec, backend } }));
    const pool = new WorkerPool(workers);
    await Promise.all(workers.map((_, i) => pool.call(i, { type: 'ping' })));
    return pool;
  }

  private call(worker: number, msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[worker]!.postMessage({ ...msg, id }, transfer);
    }).then((r) => {
      if (!r.ok) throw new Error(`training worker ${worker}: ${r.error}`);
      return r;
    });
  }

  async train(node: number, params: Float32Array): Promise<TrainResult> {
    const copy = params.slice();
    const r = await this.call(node % this.threads, { type: 'train', node, params: copy }, [copy.buffer as ArrayBuffer]);
    this.busy.trainMs += (r as { ms: number }).ms;
    return { params: (r as { params: Float32Array }).params, loss: (r as { loss: number }).loss };
  }

  async evaluate(params: Float32Array, limit: number): Promise<Evaluation> {
    const copy = params.slice();
    const r = await this.call(this.nextEval++ % this.threads, { type: 'evaluate', params: copy, limit }, [copy.buffer as ArrayBuffer]);
    this.busy.evalMs += (r as { ms: number }).ms;
    return (r as { evaluation: Evaluation }).evaluation;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}
