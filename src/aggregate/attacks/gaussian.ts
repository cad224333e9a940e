import type { Attack } from './types.ts';

/** Sends center + σ·N(0, I), with center zero (default) or the attacker's own model. */
export function gaussianAttack(): Attack {
  return {
    name: 'gaussian',
    kind: 'model',
    craft: (ctx, params = {}) => {
      const sigma = params.sigma ?? 1;
      const out = params.center === 'self' ? Float32Array.from(ctx.self) : new Float32Array(ctx.self.length);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + sigma * ctx.rng.gaussian();
      return out;
    },
  };
}
