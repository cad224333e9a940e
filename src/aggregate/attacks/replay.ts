/**
 * Replay: sends its own model as it was `delay` rounds ago (default 10), or the oldest one
 * it kept when it has not been running that long; a stale model slows everyone down while
 * looking perfectly plausible. Stateful (keeps up to delay + 1 snapshots of its model):
 * use one instance per attacking node.
 */
import { z } from 'zod';
import { defineAttack } from './types.ts';

export const replayAttack = defineAttack({
  name: 'replay',
  kind: 'model',
  params: z.object({ delay: z.number().int().nonnegative().optional() }),
  create: () => {
    const history = new Map<number, Float32Array>();
    return (ctx, params = {}) => {
      const delay = params.delay ?? 10;
      history.set(ctx.round, Float32Array.from(ctx.self));
      const wanted = ctx.round - delay;
      // Newest snapshot at least `delay` rounds old, else the oldest one kept.
      const rounds = [...history.keys()];
      const oldEnough = rounds.filter((r) => r <= wanted);
      const best = oldEnough.length > 0 ? Math.max(...oldEnough) : Math.min(...rounds);
      for (const r of rounds) if (r < best) history.delete(r);
      return Float32Array.from(history.get(best)!);
    };
  },
});
