import { z } from 'zod';
import { participationSchema } from '../aggregate/participation-weights.ts';
import { aggregatorConfigSchema } from '../aggregate/config.ts';
import { codecConfigSchema } from '../compress/index.ts';
import { optimizerSpecSchema } from '../learn/optimizer.ts';
import { privacySpecSchema } from '../privacy/config.ts';
import { ConfigError, parseWith } from '../util/validate.ts';
import { defaultDeadline } from './deadline.ts';
import { outerOptimizerSchema } from './outer-optimizer.ts';
import { modestSchema } from './round-modes/modest.ts';

/** The learning node's keys as written (codec and aggregator checked by completeNodeConfig). */
export const nodeConfigSchema = z
  .object({
    localSteps: z.number().int().nonnegative().default(10),
    batchSize: z.number().int().positive().default(32),
    optimizer: optimizerSpecSchema.default({ type: 'sgd', lr: 0.1 }),
    codec: codecConfigSchema.default({ name: 'none' }),
    /**
     * choco: send C(x − x̂) against public copies (x − x̂ is the error-feedback residual, so nothing
     * compression drops is lost); direct: send C(x), needed for time-varying graphs.
     */
    gossip: z.enum(['choco', 'direct']).default('choco'),
    /**
     * CHOCO: send the whole model (a keyframe) when ‖x − x̂‖ exceeds this fraction of ‖x‖; 0 never.
     * Keeps compressed gossip stable after large jumps, e.g. from independent initialisations.
     */
    keyframeResidual: z.number().min(0).default(0.3),
    /** Consensus step γ: x ← x + γ(aggregate − x̂_self). Default 1 uncompressed, 0.5 compressed. */
    consensusStep: z.number().gt(0).max(1).optional(),
    aggregator: aggregatorConfigSchema.default({ rule: 'mean' }),
    /**
     * CHOCO with variance correction: rescale the model after the consensus step (instead of the
     * aggregate) and send the per-layer maps, so every public copy is rescaled the same way and
     * x − x̂ does not grow by a dense rescaling each round (which set off keyframes).
     */
    trackedRescale: z.boolean().default(false),
    weights: z.enum(['uniform', 'metropolis']).default('metropolis'),
    /** Close the round once this fraction of live in-neighbours sent a fresh update. */
    quorum: z.number().gt(0).max(1).default(1),
    deadline: z
      .object({
        k: z.number().nonnegative().default(defaultDeadline.k),
        floorMs: z.number().nonnegative().default(defaultDeadline.floorMs),
        capMs: z.number().positive().default(defaultDeadline.capMs),
        window: z.number().int().positive().default(defaultDeadline.window),
        lagFactor: z.number().nonnegative().default(defaultDeadline.lagFactor),
      })
      .strict()
      .default({}),
    /**
     * A neighbour not heard from during this many rounds in a row that closed by deadline is
     * silent: it stops counting toward the quorum until it sends again.
     */
    silentAfterDeadlines: z.number().int().positive().default(2),
    staleness: z
      .object({
        /** Updates older than this many rounds are left out of the aggregate. */
        maxRounds: z.number().int().nonnegative().default(3),
        /** Weight multiplier per round of staleness for the younger ones. */
        discount: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .default({}),
    /** Frames above this size are rejected unread; default 2 × fp32 size of the model + 64 KiB. */
    maxFrameBytes: z.number().int().positive().optional(),
    /** Differentially private local training (src/privacy/config.ts); absent: plain SGD. */
    privacy: privacySpecSchema.optional(),
    /** FedAU-style weights from each neighbour's estimated participation interval; absent: off. */
    participation: participationSchema.optional(),
    /** DiLoCo-style outer optimizer on the mixed model (src/core/outer-optimizer.ts); absent: off. */
    outer: outerOptimizerSchema.optional(),
    /** MoDeST round mode (src/core/round-modes/modest.ts) instead of gossip; absent: gossip. */
    modest: modestSchema.optional(),
  })
  .strict();

export type NodeConfig = z.output<typeof nodeConfigSchema>;

/**
 * The checks across keys, on a node config that passed nodeConfigSchema.
 * `at`: its key path in the file (e.g. "task.node."), so errors name the full path.
 */
export function completeNodeConfig(base: NodeConfig, source: string, at = ''): NodeConfig {
  const conflict = (key: string, why: string): never => {
    throw new ConfigError(`${source}: ${at}${key}: ${why}`);
  };
  if (base.outer && base.outer.fragments > 1 && base.gossip !== 'direct')
    conflict('outer.fragments', 'fragments need gossip "direct"');
  if (base.outer && base.privacy) conflict('outer', 'cannot be combined with privacy');
  if (base.participation && base.aggregator.rule === 'metropolis')
    conflict('participation', 'needs aggregator.rule "mean" (the "metropolis" rule ignores weights)');
  if (base.modest) {
    for (const key of ['outer', 'participation', 'privacy'] as const)
      if (base[key]) conflict(key, 'cannot be combined with modest');
  }
  return base;
}

export function parseNodeConfig(input: unknown, source = 'node', at = ''): NodeConfig {
  return completeNodeConfig(parseWith(nodeConfigSchema, input ?? {}, source, at), source, at);
}
