/**
 * The attack registry: one definition per attack file. Attack names derive from this list; a new
 * attack is a file exporting a defineAttack(...) and one line here.
 */
import { parseValue } from '../../util/validate.ts';
import { alieAttack } from './alie.ts';
import { dissensusAttack } from './dissensus.ts';
import { freeRiderAttack } from './free-rider.ts';
import { gaussianAttack } from './gaussian.ts';
import { ipmAttack } from './ipm.ts';
import { labelFlipAttack } from './label-flip.ts';
import { replayAttack } from './replay.ts';
import { signFlipAttack } from './sign-flip.ts';
import type { Attack, AttackDefinition, AttackParams } from './types.ts';

export const ATTACKS = [
  signFlipAttack,
  gaussianAttack,
  alieAttack,
  ipmAttack,
  dissensusAttack,
  replayAttack,
  freeRiderAttack,
  labelFlipAttack,
] as const;

export type AttackName = (typeof ATTACKS)[number]['name'];
export const attackNames: readonly AttackName[] = ATTACKS.map((a) => a.name);

const byName = new Map<string, AttackDefinition>(ATTACKS.map((a) => [a.name, a]));
if (byName.size !== ATTACKS.length) throw new Error('an attack name is listed twice');

export function attackDefinition(name: string): AttackDefinition {
  const def = byName.get(name);
  if (!def) throw new Error(`unknown attack "${name}"; expected one of ${attackNames.join(', ')}`);
  return def;
}

/** A fresh attack instance (some attacks, e.g. replay, keep state: use one per attacker). */
export function getAttack(name: string): Attack {
  const def = attackDefinition(name);
  return { name: def.name, kind: def.kind, craft: def.create() };
}

/** True for attacks applied to the training data (see AttackDefinition.transformLabels). */
export function isDataAttack(name: string): boolean {
  return attackDefinition(name).kind === 'data';
}

/**
 * The label map an attacker of this data attack trains with, for numClasses classes; undefined for
 * attacks on the model.
 */
export function attackLabelTransform(name: string, numClasses: number): ((label: number) => number) | undefined {
  return attackDefinition(name).transformLabels?.(numClasses);
}

/** Validate the params of an attack (unknown keys refused); errors name `key` and the param. */
export function parseAttackParams(name: string, params: unknown, key = 'byzantine.params'): AttackParams {
  return parseValue(attackDefinition(name).params.strict(), params, key) as AttackParams;
}
