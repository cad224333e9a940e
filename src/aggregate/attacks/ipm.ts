import { z } from 'zod';
import { defineAttack } from './types.ts';
import { coordinateMeanStd, observed } from './observed-stats.ts';

/**
 * Inner-product manipulation (Xie, Koyejo & Gupta 2020): sends −ε · (mean of the honest
 * vectors it observes), so the aggregate's inner product with the honest mean shrinks or
 * turns negative. ε defaults to 0.1.
 */
export const ipmAttack = defineAttack({
  name: 'ipm',
  kind: 'model',
  params: z.object({ eps: z.number().optional() }),
  create:
    () =>
    (ctx, params = {}) => {
      const eps = params.eps ?? 0.1;
      return coordinateMeanStd(observed(ctx)).mean.map((m) => -eps * m);
    },
});
