import type { Attack } from './types.ts';

/** Sends −scale · (its own model): the model-space version of a bit/sign-flipping worker. */
export function signFlipAttack(): Attack {
  return {
    name: 'sign-flip',
    kind: 'model',
    craft: (ctx, params = {}) => {
      const s = -(params.scale ?? 1);
      return ctx.self.map((x) => s * x);
    },
  };
}
