export type { Attack, AttackContext, AttackKind, AttackName, AttackParams } from './types.ts';
export { attackNames } from './types.ts';
export { getAttack, isDataAttack } from './registry.ts';
export { flipLabels } from './label-flip.ts';
export { alieZ } from './alie.ts';
export { normalQuantile } from './normal-quantile.ts';
export { coordinateMeanStd } from './observed-stats.ts';
