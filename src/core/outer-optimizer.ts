/**
 * DiLoCo-style outer optimizer for gossip (Douillard et al., "DiLoCo"; "Streaming DiLoCo"; the
 * overlap of Sun et al., "CO2"). A round is H = `localSteps` inner steps; then the node mixes with
 * its neighbours as usual, and instead of adopting the mixed model it treats
 * Δ = θ_outer − mixed as a pseudo-gradient and takes an outer step with Nesterov momentum:
 * m ← μm + Δ, θ_outer ← θ_outer − lr·(Δ + μm) (plain momentum: − lr·m). lr 1, μ 0 is plain gossip.
 *
 * Fragments (Streaming DiLoCo): the vector is cut into F contiguous fragments and round r
 * synchronises only fragment r mod F, so every fragment is synchronised every F rounds on a
 * staggered schedule and each round sends 1/F of the model; the other fragments keep training.
 *
 * Overlap (CO2): the node starts its next H inner steps as soon as it has published, while the
 * neighbours' models are still coming in; when the round closes, the outer step is taken on the
 * model it published, and the inner progress u made meanwhile is added back scaled by
 * `overlap.correction` λ on the synchronised coordinates (x ← θ_outer + λu; a stale update is
 * damped rather than applied in full) and in full on the others.
 */
import { z } from 'zod';

export const outerOptimizerSchema = z
  .object({
    lr: z.number().gt(0).max(2).default(0.7),
    momentum: z.number().min(0).lt(1).default(0.9),
    nesterov: z.boolean().default(true),
    /** F: synchronise one of F contiguous fragments per round (needs gossip "direct"). */
    fragments: z.number().int().positive().max(64).default(1),
    /** Overlap the exchange with the next round's inner steps. */
    overlap: z
      .object({ correction: z.number().min(0).max(1).default(0.5) })
      .strict()
      .optional(),
  })
  .strict();

export type OuterOptimizerConfig = z.output<typeof outerOptimizerSchema>;

/** What a checkpoint keeps of the outer optimizer: θ_outer and the momentum m, one value per parameter each. */
export interface OuterState {
  readonly anchor: Float32Array;
  readonly velocity: Float32Array;
}

/** Names of OuterState's vectors, in the order outerStateVectors() lists them (a checkpoint stores them so). */
export const OUTER_STATE_VECTORS: readonly string[] = ['outer.anchor', 'outer.velocity'];

export function outerStateVectors(s: OuterState): Float32Array[] {
  return [s.anchor, s.velocity];
}

/** The inverse of outerStateVectors(); the caller has checked the lengths and values. */
export function outerStateFromVectors(v: readonly Float32Array[]): OuterState {
  const [anchor, velocity] = v;
  if (v.length !== OUTER_STATE_VECTORS.length || !anchor || !velocity)
    throw new RangeError(`outer state has ${OUTER_STATE_VECTORS.length} vectors, got ${v.length}`);
  return { anchor, velocity };
}

export interface Fragment {
  readonly start: number;
  readonly end: number;
}

export class OuterOptimizer {
  readonly cfg: OuterOptimizerConfig;
  private readonly anchor: Float32Array;
  private readonly velocity: Float32Array;

  constructor(cfg: OuterOptimizerConfig, initial: Float32Array) {
    if (cfg.fragments > initial.length)
      throw new Error(`outer.fragments ${cfg.fragments} exceeds the ${initial.length} parameters`);
    this.cfg = cfg;
    this.anchor = initial.slice();
    this.velocity = new Float32Array(initial.length);
  }

  /** The fragment round `round` synchronises (the whole vector when F = 1). */
  fragmentOf(round: number): Fragment {
    const f = this.cfg.fragments;
    const d = this.anchor.length;
    const k = round % f;
    return { start: Math.floor((k * d) / f), end: Math.floor(((k + 1) * d) / f) };
  }

  get fragmented(): boolean {
    return this.cfg.fragments > 1;
  }

  /** What round `round` sends of `x`: its fragment (a view), or all of x without fragments. */
  outgoing(round: number, x: Float32Array): Float32Array {
    if (!this.fragmented) return x;
    const { start, end } = this.fragmentOf(round);
    return x.subarray(start, end);
  }

  /**
   * A neighbour's fragment for `round` written into its full-length vector (created from `fill`,
   * the receiver's own model, on first use: only the fragment's coordinates are ever read).
   */
  scatter(into: Float32Array | undefined, values: Float32Array, round: number, fill: Float32Array): Float32Array {
    const out = into ?? fill.slice();
    out.set(values, this.fragmentOf(round).start);
    return out;
  }

  /** Start again from `x` (a snapshot adopted on joining, a checkpoint without outer state): momentum lost. */
  reset(x: Float32Array): void {
    this.anchor.set(x);
    this.velocity.fill(0);
  }

  /** Copies of θ_outer and m (for a checkpoint). */
  exportState(): OuterState {
    return { anchor: this.anchor.slice(), velocity: this.velocity.slice() };
  }

  /** Resume from exportState(): the next outer step is the one the saved optimizer would have taken. */
  importState(s: OuterState): void {
    const d = this.anchor.length;
    if (s.anchor.length !== d || s.velocity.length !== d)
      throw new RangeError(`outer state has ${s.anchor.length} / ${s.velocity.length} values, the model ${d}`);
    this.anchor.set(s.anchor);
    this.velocity.set(s.velocity);
  }

  /** `x` holds the mixed model on round's fragment: take the outer step there and write θ_outer into x. */
  step(round: number, x: Float32Array): void {
    const { start, end } = this.fragmentOf(round);
    const { lr, momentum: mu, nesterov } = this.cfg;
    const a = this.anchor;
    const v = this.velocity;
    for (let i = start; i < end; i++) {
      const delta = a[i]! - x[i]!;
      const m = mu * v[i]! + delta;
      v[i] = m;
      a[i] = a[i]! - lr * (nesterov ? delta + mu * m : m);
      x[i] = a[i]!;
    }
    // Outside the fragment the anchor stays where that fragment was last synchronised, so its
    // next Δ spans every inner step since then.
  }

  /** Overlap: add the inner progress `u` made while the round was collecting (see the header). */
  addInnerProgress(round: number, x: Float32Array, u: Float32Array): void {
    const { start, end } = this.fragmentOf(round);
    const lambda = this.cfg.overlap?.correction ?? 1;
    for (let i = 0; i < x.length; i++) x[i] = x[i]! + (i >= start && i < end ? lambda : 1) * u[i]!;
  }
}
