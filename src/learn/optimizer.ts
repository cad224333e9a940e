import { z } from 'zod';
import { parseWith } from '../util/validate.ts';

/**
 * Learning-rate schedule over the run's optimizer steps (the runner gives the total: rounds ×
 * localSteps for a node, epochs × steps for the centralized baseline). cosine: lr · (floor +
 * (1 − floor)·(1 + cos(π·t/T))/2). Without a known total (a daemon with rounds 0) lr stays put.
 */
const scheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }).strict(),
  z.object({ type: z.literal('cosine'), floor: z.number().min(0).max(1).default(0) }).strict(),
]);

export const optimizerSpecSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('sgd'), lr: z.number().positive().default(0.1), schedule: scheduleSchema.optional() })
    .strict(),
  z
    .object({
      type: z.literal('momentum'),
      lr: z.number().positive().default(0.05),
      momentum: z.number().min(0).max(0.999).default(0.9),
      schedule: scheduleSchema.optional(),
    })
    .strict(),
  /**
   * Quasi-global momentum (Lin et al. 2021, "Quasi-Global Momentum: Accelerating Decentralized
   * Deep Learning on Heterogeneous Data"): the buffer is not built from local gradients, which
   * point at the local optimum on non-IID data, but from the model's displacement between rounds,
   * gossip included: m ← β·m + (1 − β)·(x_prev − x)/Σlr; each local step x ← x − lr·(g + β·m).
   */
  z
    .object({
      type: z.literal('quasi-global'),
      lr: z.number().positive().default(0.05),
      momentum: z.number().min(0).max(0.999).default(0.9),
      schedule: scheduleSchema.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('adam'),
      lr: z.number().positive().default(0.001),
      beta1: z.number().min(0).lt(1).default(0.9),
      beta2: z.number().min(0).lt(1).default(0.999),
      epsilon: z.number().positive().default(1e-7),
      schedule: scheduleSchema.optional(),
    })
    .strict(),
]);

export type OptimizerSpec = z.output<typeof optimizerSpecSchema>;

export function parseOptimizerSpec(input: unknown, source = 'optimizer'): OptimizerSpec {
  return parseWith(optimizerSpecSchema, input, source);
}

/** Serializable optimizer state: what a checkpoint must keep to resume exactly. */
export interface OptimizerState {
  readonly type: OptimizerSpec['type'];
  readonly step: number;
  readonly slots: Float32Array[];
}

/** Float32Arrays of the parameter count the optimizer keeps (momentum, Adam's two moments). */
export function optimizerSlots(spec: OptimizerSpec): number {
  return spec.type === 'sgd' ? 0 : spec.type === 'momentum' ? 1 : 2;
}

/**
 * Optimizers act on the flat parameter vector, so their state is plain Float32Arrays
 * that can be checkpointed and swapped between simulated nodes sharing one tf model.
 */
export class FlatOptimizer {
  readonly spec: OptimizerSpec;
  private step = 0;
  private readonly slots: Float32Array[];
  private readonly totalSteps: number;

  /** `totalSteps`: the run's length in steps, for the lr schedule (Infinity: unknown, lr constant). */
  constructor(spec: OptimizerSpec, size: number, totalSteps = Infinity) {
    this.spec = spec;
    this.totalSteps = totalSteps;
    this.slots = Array.from({ length: optimizerSlots(spec) }, () => new Float32Array(size));
  }

  /** The learning rate of the next step under the schedule. */
  currentLr(): number {
    const { lr, schedule } = this.spec;
    if (!schedule || schedule.type === 'constant' || !Number.isFinite(this.totalSteps) || this.totalSteps <= 0)
      return lr;
    const t = Math.min(1, this.step / this.totalSteps);
    return lr * (schedule.floor + ((1 - schedule.floor) * (1 + Math.cos(Math.PI * t))) / 2);
  }

  /** Sum of the learning rates used since the last beginRound (quasi-global momentum). */
  private lrSinceRound = 0;
  private roundStarted = false;

  /** A round of local steps starts from `params` (after gossip). Only quasi-global momentum uses it. */
  beginRound(params: Float32Array): void {
    if (this.spec.type !== 'quasi-global') return;
    const [m, start] = this.slots as [Float32Array, Float32Array];
    if (this.roundStarted && this.lrSinceRound > 0) {
      const b = this.spec.momentum;
      const k = (1 - b) / this.lrSinceRound;
      for (let i = 0; i < params.length; i++) m[i] = b * m[i]! + k * (start[i]! - params[i]!);
    }
    start.set(params);
    this.roundStarted = true;
    this.lrSinceRound = 0;
  }

  /** params -= update(grad), in place. */
  apply(params: Float32Array, grad: Float32Array): void {
    const s = { ...this.spec, lr: this.currentLr() };
    this.lrSinceRound += s.lr;
    this.step++;
    const n = params.length;
    if (s.type === 'sgd') {
      for (let i = 0; i < n; i++) params[i]! -= s.lr * grad[i]!;
    } else if (s.type === 'momentum') {
      const v = this.slots[0]!;
      for (let i = 0; i < n; i++) {
        const vi = s.momentum * v[i]! + grad[i]!;
        v[i] = vi;
        params[i]! -= s.lr * vi;
      }
    } else if (s.type === 'quasi-global') {
      const m = this.slots[0]!;
      for (let i = 0; i < n; i++) params[i]! -= s.lr * (grad[i]! + s.momentum * m[i]!);
    } else {
      const m = this.slots[0]!;
      const v = this.slots[1]!;
      const b1 = s.beta1;
      const b2 = s.beta2;
      const stepSize = (s.lr * Math.sqrt(1 - b2 ** this.step)) / (1 - b1 ** this.step);
      for (let i = 0; i < n; i++) {
        const g = grad[i]!;
        const mi = b1 * m[i]! + (1 - b1) * g;
        const vi = b2 * v[i]! + (1 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i]! -= (stepSize * mi) / (Math.sqrt(vi) + s.epsilon);
      }
    }
  }

  getState(): OptimizerState {
    return { type: this.spec.type, step: this.step, slots: this.slots.map((x) => x.slice()) };
  }

  setState(state: OptimizerState): void {
    if (state.type !== this.spec.type)
      throw new Error(`optimizer state is for ${state.type}, optimizer is ${this.spec.type}`);
    if (state.slots.length !== this.slots.length || state.slots.some((x, i) => x.length !== this.slots[i]!.length))
      throw new Error('optimizer state does not match the parameter count');
    this.step = state.step;
    state.slots.forEach((x, i) => this.slots[i]!.set(x));
  }
}
