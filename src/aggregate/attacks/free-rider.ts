import { z } from 'zod';
import { defineAttack } from './types.ts';

/**
 * Free-rider: does no training and sends a copy of a randomly chosen observed honest
 * vector (its own model when it observes none), hiding among the neighbours it copies.
 */
export const freeRiderAttack = defineAttack({
  name: 'free-rider',
  kind: 'model',
  params: z.object({}),
  create: () => (ctx) => {
    const pool = ctx.honest.length > 0 ? ctx.honest : [ctx.self];
    return Float32Array.from(pool[ctx.rng.int(pool.length)]!);
  },
});
