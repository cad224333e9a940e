/**
 * "A little is enough" (Baruch, Baruch & Goldberg 2019): sends μ − z·σ per coordinate,
 * where μ, σ are the mean and standard deviation of the honest vectors it observes. By
 * default z = Φ⁻¹((n − s)/n) with s = ⌊n/2 + 1⌋ − f, the paper's largest z for which the
 * crafted vector still looks more central than enough honest ones; params.z overrides it.
 */
import { z } from 'zod';
import { defineAttack } from './types.ts';
import { coordinateMeanStd, observed } from './observed-stats.ts';
import { normalQuantile } from './normal-quantile.ts';

export function alieZ(n: number, f: number): number {
  const s = Math.floor(n / 2 + 1) - f;
  const p = Math.min(1 - 1e-6, Math.max(1e-6, (n - s) / n));
  return normalQuantile(p);
}

export const alieAttack = defineAttack({
  name: 'alie',
  kind: 'model',
  params: z.object({ z: z.number().optional() }),
  create:
    () =>
    (ctx, params = {}) => {
      const z = params.z ?? alieZ(ctx.n, ctx.f);
      const { mean, std } = coordinateMeanStd(observed(ctx));
      return mean.map((m, i) => m - z * std[i]!);
    },
});
