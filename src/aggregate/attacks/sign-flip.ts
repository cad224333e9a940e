import { z } from 'zod';
import { defineAttack } from './types.ts';

/** Sends −scale · (its own model): the model-space version of a bit/sign-flipping worker. */
export const signFlipAttack = defineAttack({
  name: 'sign-flip',
  kind: 'model',
  params: z.object({ scale: z.number().optional() }),
  create:
    () =>
    (ctx, params = {}) => {
      const s = -(params.scale ?? 1);
      return ctx.self.map((x) => s * x);
    },
});
