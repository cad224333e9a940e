import { getAttack, type AttackName } from '../aggregate/attacks/index.ts';
import { Rng, deriveSeed } from '../util/rng.ts';

/**
 * What a node that is not honest does instead: the vector it publishes in place of its model, and
 * how it keeps a model of its own from what it receives. Built by whoever builds the node (the
 * simulator for its Byzantine nodes); an honest node has none.
 */
export interface OutgoingPolicy {
  /** The vector to publish in `round`; `neighbours`: the models this node holds of its in-neighbours. */
  outgoing(round: number, params: Float32Array, neighbours: readonly Float32Array[]): Float32Array;
  /** Replaces the aggregation rule and the consensus step: fold `received` (never empty) into `params`. */
  mix(params: Float32Array, received: readonly Float32Array[]): void;
}

export interface ByzantineBehaviour {
  readonly attack: AttackName;
  readonly params?: Record<string, number>;
  /** How many Byzantine nodes the attacker assumes (ALIE's z depends on it). */
  readonly f: number;
  readonly n: number;
}

/** A Byzantine node: it publishes the attack's crafted vector and keeps the plain mean of what it observes. */
export function byzantinePolicy(b: ByzantineBehaviour, seed: number): OutgoingPolicy {
  // One instance per attacker: some attacks (replay) remember what they saw.
  const attack = getAttack(b.attack);
  return {
    outgoing(round, params, neighbours) {
      if (attack.kind === 'data') return params;
      const rng = new Rng(deriveSeed(seed, 'attack', round));
      return attack.craft({ self: params, honest: [...neighbours], round, rng, f: b.f, n: b.n }, b.params ?? {});
    },
    mix(params, received) {
      const mean = new Float32Array(params.length);
      for (const v of received) for (let i = 0; i < mean.length; i++) mean[i]! += v[i]! / received.length;
      params.set(mean);
    },
  };
}
