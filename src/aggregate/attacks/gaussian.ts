import { z } from 'zod';
import { defineAttack } from './types.ts';

/** Sends center + σ·N(0, I), with center zero (default) or the attacker's own model. */
export const gaussianAttack = defineAttack({
  name: 'gaussian',
  kind: 'model',
  params: z.object({ sigma: z.number().optional(), center: z.enum(['zero', 'self']).optional() }),
  create:
    () =>
    (ctx, params = {}) => {
      const sigma = params.sigma ?? 1;
      const out = params.center === 'self' ? Float32Array.from(ctx.self) : new Float32Array(ctx.self.length);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + sigma * ctx.rng.gaussian();
      return out;
    },
});
