/** Shared types of the aggregation module. */

export type { AggregatorConfig, RuleName, RuleParams } from './config.ts';

export interface RuleOptions {
  /** Number of Byzantine neighbours assumed. */
  f?: number;
  /** Trimmed mean: fraction trimmed from each side (overrides f). */
  beta?: number;
  /** Multi-Krum: number of candidates averaged. */
  m?: number;
  /** Clipping radius; undefined means the adaptive radius (see clip.ts). */
  tau?: number;
  iterations?: number;
  /** Weight of the node's own vector; default 1 − Σ weights. */
  selfWeight?: number;
  selfDegree?: number;
  neighbourDegrees?: number[];
  /** Geomed smoothing ν (a lower bound on distances). */
  eps?: number;
}

/**
 * A pure aggregation rule: returns a NEW vector and never mutates its inputs.
 * `weights` has one entry per received vector; the self weight is 1 − Σ weights
 * unless `opts.selfWeight` is given.
 */
export type AggregationRule = (
  self: Float32Array,
  received: readonly Float32Array[],
  weights: readonly number[],
  opts: RuleOptions,
) => Float32Array;

export const varianceCorrections = ['inputs', 'xavier', 'none'] as const;

export type VarianceCorrection = (typeof varianceCorrections)[number];

export interface AggregationContext {
  selfDegree: number;
  neighbourDegrees: number[];
}
