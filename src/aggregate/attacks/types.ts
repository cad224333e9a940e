import type { Rng } from '../../util/rng.ts';

export const attackNames = ['sign-flip', 'gaussian', 'alie', 'ipm', 'dissensus', 'replay', 'free-rider', 'label-flip'] as const;

export type AttackName = (typeof attackNames)[number];

/** Everything a Byzantine node can see when it crafts the vector it sends. */
export type AttackContext = {
  /** The attacker's own honest-looking model. */
  self: Float32Array;
  /** Vectors it can observe (e.g. its neighbours' latest). */
  honest: Float32Array[];
  /** The victim's model when attacking a specific neighbour. */
  target?: Float32Array;
  round: number;
  rng: Rng;
  /** Number of Byzantine nodes (around the target, for dissensus). */
  f: number;
  /** Number of nodes in the system (ALIE's default z). */
  n: number;
};

export interface AttackParams {
  /** sign-flip: multiplier of the flipped model (default 1). */
  scale?: number;
  /** gaussian: standard deviation per coordinate (default 1). */
  sigma?: number;
  /** gaussian: mean of the noise, zero or the attacker's own model (default 'zero'). */
  center?: 'zero' | 'self';
  /** alie: number of standard deviations (default from n and f, see alie.ts). */
  z?: number;
  /** ipm / dissensus strength ε (defaults 0.1 / 1). */
  eps?: number;
  /** replay: how many rounds old the replayed model is (default 10). */
  delay?: number;
}

/**
 * 'model' attacks craft the vector sent to neighbours; 'data' attacks (label-flip) corrupt
 * the attacker's training data instead, and the vector sent is its own (poisoned) model.
 */
export type AttackKind = 'model' | 'data';

export interface Attack {
  readonly name: AttackName;
  readonly kind: AttackKind;
  /** Returns a NEW vector of the model's length; never mutates the context's vectors. */
  craft(ctx: AttackContext, params?: AttackParams): Float32Array;
}
