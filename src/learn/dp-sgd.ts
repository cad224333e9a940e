/**
 * Differentially private local steps: per-example gradient clipping, Gaussian noise, and the
 * DiceSGD error feedback (Zhang, Bu, Wu & Hong, "Differentially Private SGD Without Clipping Bias:
 * An Error-Feedback Approach", ICLR 2024).
 *
 * Per-example gradients without a batch-of-one loop: every parameter of our models is the kernel or
 * bias of an affine layer z = a·W + b (dense, or convolution as im2col patches·W). The gradient of
 * example i's loss is Σ_r a_{ir} δ_{ir}ᵀ for W and Σ_r δ_{ir} for b, where r runs over the rows the
 * example owns in that layer (1 for dense, the output positions for a convolution) and δ = ∂loss/∂z.
 * One backward pass of the summed loss records a and δ per layer (a custom gradient); then
 * - dense: ‖g_i(W)‖² = ‖a_i‖²·‖δ_i‖² and ‖g_i(b)‖² = ‖δ_i‖²
 *   (no per-example gradient is formed);
 * - convolution: the [in × out] per-example kernel gradients are one batched matmul (small: k²c × f);
 * - the clipped sum Σ_i s_i g_i with s_i = min(1, C/‖g_i‖) is Aᵀ·diag(s)·Δ: one matmul per layer.
 */
import * as tf from '@tensorflow/tfjs';
import type { Affine, Model } from './model.ts';

/** What the DP step draws from: the seeded Rng in simulations, a CSPRNG in a real node. */
export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  gaussian(): number;
}

export interface DpSgdSpec {
  readonly clip: number;
  readonly noiseMultiplier: number;
  readonly mode: 'dp-sgd' | 'dice';
  /** DiceSGD's C₂ (batch-sum units, like clip); default clip. */
  readonly errorClip?: number;
}

export interface ClippedSums {
  readonly lossSum: number;
  /** Examples whose gradient norm exceeded the clip. */
  readonly clippedCount: number;
}

interface LayerTrace {
  input: tf.Tensor2D | null;
  outGrad: tf.Tensor2D | null;
}

function sumCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)))) as tf.Scalar;
}

/**
 * Σ_i clip(g_i, clip) into `clipped` and, when `raw` is given, Σ_i g_i into it (flat layout of the
 * model), for the batch `xs` of `b` examples. Returns the summed loss.
 */
export function clippedGradientSums(
  model: Model,
  xs: tf.Tensor,
  ys: tf.Tensor2D,
  b: number,
  clip: number,
  clipped: Float32Array,
  raw: Float32Array | null,
): ClippedSums {
  const entries = model.layout.entries;
  const layers = entries.length / 2;
  const traces: LayerTrace[] = Array.from({ length: layers }, () => ({ input: null, outGrad: null }));
  try {
    const lossSum = tf.tidy(() => {
      const affine: Affine = (layer, input, kernel, bias) => {
        const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
          const [a, k, bb] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor];
          (args[3] as tf.GradSaveFunc)([a, k]);
          return {
            value: tf.add(tf.matMul(a, k), bb) as tf.Tensor2D,
            gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
              const [sa, sk] = saved as [tf.Tensor2D, tf.Tensor2D];
              traces[layer]!.input = tf.keep(sa.clone());
              traces[layer]!.outGrad = tf.keep(dy.clone());
              // Layer 0's input is data: its gradient is never used.
              const da = layer === 0 ? tf.zerosLike(sa) : tf.matMul(dy, sk, false, true);
              const dk = raw ? tf.matMul(sa, dy, true, false) : tf.zerosLike(sk);
              return [da, dk, tf.sum(dy, 0)];
            },
          };
        });
        return op(input, kernel, bias) as tf.Tensor2D;
      };
      const loss = (): tf.Scalar => sumCrossEntropy(model.logitsVia(xs, affine), ys);
      const { value, grads } = tf.variableGrads(loss, model.variables);
      const gradOf = (i: number): Float32Array => grads[model.variables[i]!.name]!.dataSync() as Float32Array;
      if (raw) entries.forEach((e, i) => raw.set(gradOf(i), e.offset));
      return value.dataSync()[0]!;
    });
    const clippedCount = tf.tidy(() => {
      let normSq: tf.Tensor1D = tf.zeros([b]);
      const shaped = traces.map((t, l) => {
        if (!t.input || !t.outGrad) throw new Error(`dp-sgd: layer ${l} was not traced`);
        const rows = t.input.shape[0] / b;
        return { a: t.input, d: t.outGrad, rows, inSize: t.input.shape[1], outSize: t.outGrad.shape[1] };
      });
      for (const { a, d, rows, inSize, outSize } of shaped) {
        if (rows === 1) {
          const dSq = tf.sum(tf.square(d), 1);
          normSq = tf.add(normSq, tf.add(tf.mul(tf.sum(tf.square(a), 1), dSq), dSq));
        } else {
          const a3 = tf.reshape(a, [b, rows, inSize]) as tf.Tensor3D;
          const d3 = tf.reshape(d, [b, rows, outSize]) as tf.Tensor3D;
          const perExampleKernel = tf.matMul(a3, d3, true, false);
          const kernelSq = tf.sum(tf.square(perExampleKernel), [1, 2]);
          normSq = tf.add(normSq, tf.add(kernelSq, tf.sum(tf.square(tf.sum(d3, 1)), 1)));
        }
      }
      const norms = tf.sqrt(normSq);
      const scale = tf.minimum(1, tf.div(clip, tf.maximum(norms, 1e-12)));
      shaped.forEach(({ a, d, rows, outSize }, l) => {
        const scaledRows = (
          rows === 1
            ? tf.mul(d, tf.reshape(scale, [b, 1]))
            : tf.reshape(tf.mul(tf.reshape(d, [b, rows, outSize]), tf.reshape(scale, [b, 1, 1])), [b * rows, outSize])
        ) as tf.Tensor2D;
        clipped.set(tf.matMul(a, scaledRows, true, false).dataSync() as Float32Array, entries[2 * l]!.offset);
        clipped.set(tf.sum(scaledRows, 0).dataSync() as Float32Array, entries[2 * l + 1]!.offset);
      });
      return tf.sum(tf.cast(tf.greater(norms, clip), 'float32')).dataSync()[0]!;
    });
    return { lossSum, clippedCount };
  } finally {
    for (const t of traces) {
      t.input?.dispose();
      t.outGrad?.dispose();
    }
  }
}

function l2Norm(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

/**
 * One node's DP-SGD state. Minibatches are drawn by Poisson sampling (each record independently
 * with probability q), which is the sampling the RDP accountant analyses; the noisy sum is divided
 * by the expected batch size q·n (a constant, so post-processing).
 *
 * dp-sgd: g̃ = (Σ_i clip(g_i, C) + N(0, σ²C²I)) / (qn).
 * dice (DiceSGD, Algorithm 1, kept in batch-sum units as in the authors' implementation):
 *   u = Σ_i clip(g_i, C₁) + clip(e, C₂);  g̃ = (u + N(0, σ²(C₁ + C₂)²I)) / (qn);
 *   e ← e + Σ_i g_i − u  (what clipping held back, carried to the next step).
 * e is never released; the noise is calibrated to the released update's sensitivity C₁ + C₂ (a
 * record moves Σ clip(g, C₁) by ≤ C₁, the clipped feedback stays in the C₂ ball), which is the
 * calibration the paper's implementation uses (σ·2C with C₁ = C₂ = C).
 */
export class DpSgd {
  readonly spec: DpSgdSpec;
  readonly samplingRate: number;
  readonly expectedBatch: number;
  /** DiceSGD's error-feedback e (batch-sum units); null for dp-sgd. */
  readonly error: Float32Array | null;
  private readonly rng: RandomSource;
  private readonly clippedSum: Float32Array;
  private readonly rawSum: Float32Array | null;
  /** Examples clipped and seen so far (diagnostics). */
  clippedExamples = 0;
  examples = 0;

  constructor(spec: DpSgdSpec, size: number, shardSize: number, batchSize: number, rng: RandomSource) {
    this.spec = spec;
    this.expectedBatch = Math.min(batchSize, shardSize);
    this.samplingRate = this.expectedBatch / shardSize;
    this.rng = rng;
    this.clippedSum = new Float32Array(size);
    this.error = spec.mode === 'dice' ? new Float32Array(size) : null;
    this.rawSum = spec.mode === 'dice' ? new Float32Array(size) : null;
  }

  get noiseStd(): number {
    const s = this.spec;
    return s.noiseMultiplier * (s.mode === 'dice' ? s.clip + (s.errorClip ?? s.clip) : s.clip);
  }

  /** Poisson sample of row indices in [0, n) into `out` (grown as needed); returns the count. */
  sampleRows(n: number, out: { rows: Int32Array }): number {
    const q = this.samplingRate;
    let b = 0;
    for (let i = 0; i < n; i++) {
      if (this.rng.next() >= q) continue;
      if (b === out.rows.length) {
        const grown = new Int32Array(Math.max(16, 2 * b));
        grown.set(out.rows);
        out.rows = grown;
      }
      out.rows[b++] = i;
    }
    return b;
  }

  /**
   * The private gradient for a batch of `b` examples (b may be 0: the step then releases noise only)
   * into `grad`; returns the batch's summed loss (0 for an empty batch).
   */
  gradient(model: Model, xs: tf.Tensor | null, ys: tf.Tensor2D | null, b: number, grad: Float32Array): number {
    let lossSum = 0;
    if (b > 0) {
      const r = clippedGradientSums(model, xs!, ys!, b, this.spec.clip, this.clippedSum, this.rawSum);
      lossSum = r.lossSum;
      this.clippedExamples += r.clippedCount;
      this.examples += b;
    } else {
      this.clippedSum.fill(0);
      this.rawSum?.fill(0);
    }
    const std = this.noiseStd;
    const inv = 1 / this.expectedBatch;
    const c = this.clippedSum;
    const e = this.error;
    if (!e) {
      for (let i = 0; i < grad.length; i++) grad[i] = (c[i]! + std * this.rng.gaussian()) * inv;
      return lossSum;
    }
    const raw = this.rawSum!;
    const eNorm = l2Norm(e);
    const keep = eNorm > 0 ? Math.min(1, (this.spec.errorClip ?? this.spec.clip) / eNorm) : 0;
    for (let i = 0; i < grad.length; i++) {
      const u = c[i]! + keep * e[i]!;
      grad[i] = (u + std * this.rng.gaussian()) * inv;
      e[i] = e[i]! + raw[i]! - u;
    }
    return lossSum;
  }
}
