import { z } from 'zod';

/**
 * Differential privacy of a node's local training (its records, against everyone who sees its
 * updates). Absent: training is unchanged. Both modes sample each minibatch by Poisson sampling
 * with rate q = batchSize / shard size, clip per-example gradients to `clip` and add Gaussian
 * noise; `dice` adds the clipped error feedback of DiceSGD (see src/learn/dp-sgd.ts).
 */
export const privacySpecSchema = z
  .object({
    /** Per-example gradient clipping norm C (C₁ in DiceSGD). */
    clip: z.number().positive(),
    /** σ: the noise std is σ·C (dp-sgd) or σ·(C₁ + C₂) (dice), added to the clipped batch sum. */
    noiseMultiplier: z.number().positive(),
    delta: z.number().gt(0).lt(1),
    /** Stop publishing (and training) before a round would take ε past this. */
    targetEpsilon: z.number().positive().optional(),
    mode: z.enum(['dp-sgd', 'dice']).default('dp-sgd'),
    /** DiceSGD's C₂: clipping norm of the fed-back error, in batch-sum units like `clip`. Default: `clip`. */
    errorClip: z.number().positive().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.errorClip !== undefined && p.mode !== 'dice')
      ctx.addIssue({ code: 'custom', path: ['errorClip'], message: 'only applies to mode "dice"' });
  });

export type PrivacySpec = z.output<typeof privacySpecSchema>;

/** Poisson sampling rate of a shard: the expected batch is `batchSize` records. */
export function samplingRate(batchSize: number, shardSize: number): number {
  if (shardSize < 1) throw new RangeError('cannot sample from an empty shard');
  return Math.min(1, batchSize / shardSize);
}
