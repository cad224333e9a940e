import type { z } from 'zod';
import type { Rng } from '../../util/rng.ts';

export type { AttackName } from './registry.ts';

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

/** Returns a NEW vector of the model's length; never mutates the context's vectors. */
export type Craft = (ctx: AttackContext, params?: AttackParams) => Float32Array;

export interface Attack {
  readonly name: string;
  readonly kind: AttackKind;
  readonly craft: Craft;
}

/** What an attack file exports; the registry (index.ts) lists them and names derive from it. */
export interface AttackDefinition<N extends string = string> {
  readonly name: N;
  readonly kind: AttackKind;
  /** The params it reads (scenario `byzantine.params`) and what each must be; all optional. */
  readonly params: z.AnyZodObject;
  /** A fresh craft function: some attacks (replay) keep state, so one per attacker. */
  readonly create: () => Craft;
  /** Data attacks: the map applied to every training label of an attacker, for numClasses classes. */
  readonly transformLabels?: (numClasses: number) => (label: number) => number;
}

/** Identity with inference, so that the registry keeps each attack's name as a literal type. */
export function defineAttack<const N extends string>(def: AttackDefinition<N>): AttackDefinition<N> {
  return def;
}
