/**
 * Error feedback for contractive (biased) codecs: remember what compression dropped and add it
 * back before the next compression (Seide et al. 2014; Lin et al. 2018, "Deep Gradient Compression").
 *
 * With feedback strength η (EControl, Gao et al. 2024):
 *   target = η·e + x,   sent = C(target),   e ← e + x − sent
 * η = 1 is classic error feedback (e ← target − sent); η = 0 disables it.
 *
 * Optional momentum correction (DGC, for sparsifiers when x is a gradient): compress the
 * momentum-accumulated u ← m·u + x instead of x, and clear u wherever a value was sent
 * (momentum factor masking) so stale momentum is not re-applied.
 *
 * Use it when x is sent directly (gradients, or models sent as C(x)). Not inside CHOCO: there
 * x − x̂_self already is the residual, and a second one would send the unsent part twice.
 */
import type { Codec } from './codecs.ts';

export interface ErrorFeedbackOptions {
  /** Feedback strength η in [0, 1]; default 1 (classic error feedback). */
  eta?: number;
  /** Momentum for DGC momentum correction in [0, 1); default 0 (off). Sparse codecs only. */
  momentum?: number;
}

export interface ErrorFeedbackState {
  residual: Float32Array;
  /** Present when momentum correction is on. */
  velocity?: Float32Array;
}

const SPARSE_CODECS: ReadonlySet<string> = new Set(['topk', 'randk']);

export class ErrorFeedback {
  readonly d: number;
  readonly eta: number;
  readonly momentum: number;
  /** What has not been sent yet. Live buffer; use getState() for a copy. */
  readonly residual: Float32Array;
  private readonly velocity: Float32Array | null;
  private readonly accumulated: Float32Array | null;
  private readonly target: Float32Array;

  constructor(d: number, opts: ErrorFeedbackOptions = {}) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`ErrorFeedback: d must be a non-negative integer, got ${d}`);
    const eta = opts.eta ?? 1;
    const momentum = opts.momentum ?? 0;
    if (!(eta >= 0 && eta <= 1)) throw new RangeError(`ErrorFeedback: eta must be in [0, 1], got ${eta}`);
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`ErrorFeedback: momentum must be in [0, 1), got ${momentum}`);
    this.d = d;
    this.eta = eta;
    this.momentum = momentum;
    this.residual = new Float32Array(d);
    this.velocity = momentum > 0 ? new Float32Array(d) : null;
    this.accumulated = momentum > 0 ? new Float32Array(d) : null;
    this.target = new Float32Array(d);
  }

  /**
   * Compress x with error feedback. `sent` is exactly what a receiver decodes from `payload`
   * (written into `out` when given, else a new array). Throws FrameError if the codec output does
   * not decode (e.g. x held NaN/Inf), leaving the state untouched.
   */
  compress(
    x: Float32Array,
    codec: Codec,
    seed: number,
    out?: Float32Array,
  ): { payload: Uint8Array; sent: Float32Array } {
    const d = this.d;
    if (x.length !== d) throw new RangeError(`ErrorFeedback: expected a vector of length ${d}, got ${x.length}`);
    if (out !== undefined && out.length !== d) throw new RangeError(`ErrorFeedback: out has length ${out.length}, expected ${d}`);
    const e = this.residual;
    const t = this.target;
    const u = this.velocity;
    const eta = this.eta;
    const m = this.momentum;
    if (u !== null && !SPARSE_CODECS.has(codec.name)) {
      throw new Error(`ErrorFeedback: momentum correction needs a sparsifying codec (topk, randk), got ${codec.name}`);
    }
    // The input that gets compressed: x, or the momentum-corrected m·u + x (kept aside in
    // `accumulated` and committed to u only once the codec succeeded).
    const acc = this.accumulated;
    if (u !== null && acc !== null) {
      for (let i = 0; i < d; i++) {
        acc[i] = m * u[i]! + x[i]!;
        t[i] = eta * e[i]! + acc[i]!;
      }
    } else {
      for (let i = 0; i < d; i++) t[i] = eta * e[i]! + x[i]!;
    }
    const payload = codec.encode(t, seed);
    const sent = codec.decodeInto(payload, out ?? new Float32Array(d));
    // e ← e + input − sent, written as (target − sent) + (1 − η)·e so that η = 1 leaves no float drift.
    const keep = 1 - eta;
    if (u !== null && acc !== null) {
      for (let i = 0; i < d; i++) {
        const s = sent[i]!;
        e[i] = t[i]! - s + keep * e[i]!;
        u[i] = s !== 0 ? 0 : acc[i]!;
      }
    } else if (keep === 0) {
      for (let i = 0; i < d; i++) e[i] = t[i]! - sent[i]!;
    } else {
      for (let i = 0; i < d; i++) e[i] = t[i]! - sent[i]! + keep * e[i]!;
    }
    return { payload, sent };
  }

  /** Copy of the state, for checkpoints. */
  getState(): ErrorFeedbackState {
    const s: ErrorFeedbackState = { residual: this.residual.slice() };
    if (this.velocity !== null) s.velocity = this.velocity.slice();
    return s;
  }

  setState(s: ErrorFeedbackState): void {
    if (s.residual.length !== this.d) throw new RangeError(`ErrorFeedback.setState: residual has length ${s.residual.length}, expected ${this.d}`);
    this.residual.set(s.residual);
    if (this.velocity !== null) {
      if (s.velocity === undefined) this.velocity.fill(0);
      else if (s.velocity.length !== this.d) throw new RangeError(`ErrorFeedback.setState: velocity has length ${s.velocity.length}, expected ${this.d}`);
      else this.velocity.set(s.velocity);
    }
  }

  reset(): void {
    this.residual.fill(0);
    this.velocity?.fill(0);
  }
}
