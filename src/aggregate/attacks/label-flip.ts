import { z } from 'zod';
import { defineAttack } from './types.ts';

/**
 * Label flipping is a data attack: the attacker trains on labels mapped y ↦ numClasses − 1 − y,
 * and the vector sent is the model trained on them (a copy of ctx.self).
 */
export const labelFlipAttack = defineAttack({
  name: 'label-flip',
  kind: 'data',
  params: z.object({}),
  create: () => (ctx) => Float32Array.from(ctx.self),
  transformLabels: (numClasses) => {
    if (!Number.isInteger(numClasses) || numClasses < 1)
      throw new Error(`numClasses must be a positive integer, got ${numClasses}`);
    return (label) => numClasses - 1 - label;
  },
});
