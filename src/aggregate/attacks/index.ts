export type { Attack, AttackContext, AttackDefinition, AttackKind, AttackName, AttackParams } from './types.ts';
export {
  ATTACKS,
  attackDefinition,
  attackLabelTransform,
  attackNames,
  getAttack,
  isDataAttack,
  parseAttackParams,
} from './registry.ts';
export { alieZ } from './alie.ts';
export { normalQuantile } from './normal-quantile.ts';
export { coordinateMeanStd } from './observed-stats.ts';
