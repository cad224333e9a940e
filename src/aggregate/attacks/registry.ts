import type { Attack, AttackName } from './types.ts';
import { attackNames } from './types.ts';
import { signFlipAttack } from './sign-flip.ts';
import { gaussianAttack } from './gaussian.ts';
import { alieAttack } from './alie.ts';
import { ipmAttack } from './ipm.ts';
import { dissensusAttack } from './dissensus.ts';
import { replayAttack } from './replay.ts';
import { freeRiderAttack } from './free-rider.ts';
import { labelFlipAttack } from './label-flip.ts';

const factories: Record<AttackName, () => Attack> = {
  'sign-flip': signFlipAttack,
  gaussian: gaussianAttack,
  alie: alieAttack,
  ipm: ipmAttack,
  dissensus: dissensusAttack,
  replay: replayAttack,
  'free-rider': freeRiderAttack,
  'label-flip': labelFlipAttack,
};

function checkName(name: string): AttackName {
  if (!Object.hasOwn(factories, name)) throw new Error(`unknown attack "${name}"; expected one of ${attackNames.join(', ')}`);
  return name as AttackName;
}

/** A fresh attack instance (some attacks, e.g. replay, keep state: use one per attacker). */
export function getAttack(name: string): Attack {
  return factories[checkName(name)]();
}

/** True for attacks applied to the training data (the trainer calls flipLabels). */
export function isDataAttack(name: string): boolean {
  return getAttack(name).kind === 'data';
}
