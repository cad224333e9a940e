/** Statistics of the honest vectors an attacker observes. */
import type { AttackContext } from './types.ts';

/** The observed honest vectors, or the attacker's own model when it observes none. */
export function observed(ctx: AttackContext): Float32Array[] {
  return ctx.honest.length > 0 ? ctx.honest : [ctx.self];
}

/** Per-coordinate mean and sample standard deviation (0 for a single vector). */
export function coordinateMeanStd(vectors: readonly Float32Array[]): { mean: Float32Array; std: Float32Array } {
  const n = vectors.length;
  const d = vectors[0]!.length;
  const sum = new Float64Array(d);
  for (const v of vectors) for (let i = 0; i < d; i++) sum[i] = sum[i]! + v[i]!;
  const mean = new Float64Array(d);
  for (let i = 0; i < d; i++) mean[i] = sum[i]! / n;
  const sq = new Float64Array(d);
  for (const v of vectors) {
    for (let i = 0; i < d; i++) {
      const t = v[i]! - mean[i]!;
      sq[i] = sq[i]! + t * t;
    }
  }
  const std = new Float32Array(d);
  if (n > 1) for (let i = 0; i < d; i++) std[i] = Math.sqrt(sq[i]! / (n - 1));
  return { mean: Float32Array.from(mean), std };
}
