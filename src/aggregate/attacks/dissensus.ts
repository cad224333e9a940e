/**
 * Dissensus (He, Karimireddy & Jaggi 2022): each of the f Byzantine neighbours of the
 * target x_i sends
 *   x_i − ε · Σ_k (x_k − x_i) / f
 * over the target's honest neighbours x_k (ctx.honest), i.e. the paper's
 * x_i − ε · Σ_k W_ik (x_k − x_i) / Σ_Byz W_ij under uniform mixing weights. With ε = 1 the
 * Byzantine terms exactly cancel the honest pull in the target's gossip average, so the
 * target never moves towards its neighbours; ε > 1 pushes it away. ε defaults to 1.
 * Without ctx.target the attacker's own model is the reference.
 */
import { z } from 'zod';
import { defineAttack } from './types.ts';

export const dissensusAttack = defineAttack({
  name: 'dissensus',
  kind: 'model',
  params: z.object({ eps: z.number().optional() }),
  create:
    () =>
    (ctx, params = {}) => {
      const target = ctx.target ?? ctx.self;
      const c = (params.eps ?? 1) / Math.max(1, ctx.f);
      const out = Float32Array.from(target);
      for (const x of ctx.honest) for (let i = 0; i < out.length; i++) out[i] = out[i]! - c * (x[i]! - target[i]!);
      return out;
    },
});
