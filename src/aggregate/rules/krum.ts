/**
 * Krum (Blanchard et al. 2017) over {self} ∪ received, weights ignored; Multi-Krum is multi-krum.ts.
 * Cost: all pairwise distances, O(n²·d) for n candidates of dimension d.
 *
 * The score of a candidate is the sum of its squared distances to its n − f − 2 nearest
 * other candidates. When n ≤ f + 2 (too few neighbours for Krum's guarantee) we still score
 * with the single nearest candidate rather than fail. Candidates containing NaN/±∞ are at
 * infinite distance, so their score is infinite and they are never averaged in.
 */
import type { AggregationRule } from '../types.ts';
import { byzantineCount, candidates } from '../inputs.ts';
import { pairwiseSquaredDistances } from '../pairwise-distances.ts';
import { argsortAscending } from '../vector-ops.ts';
import { defineRule, ruleParams } from '../rule-definition.ts';

export function krumScores(vectors: readonly Float32Array[], f: number): Float64Array {
  const n = vectors.length;
  const scores = new Float64Array(n);
  if (n === 1) return scores;
  const dist = pairwiseSquaredDistances(vectors);
  const nearest = Math.min(n - 1, Math.max(1, n - f - 2));
  const row = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0, k = 0; j < n; j++) {
      if (j === i) continue;
      const d = dist[i * n + j]!;
      row[k++] = Number.isFinite(d) ? d : Infinity;
    }
    row.sort();
    let s = 0;
    for (let k = 0; k < nearest; k++) s += row[k]!;
    scores[i] = s;
  }
  return scores;
}

/** Indices of the m best-scored candidates with a finite score (self, index 0, if none). */
export function selectByScore(vectors: readonly Float32Array[], f: number, m: number): number[] {
  const scores = krumScores(vectors, f);
  const chosen = argsortAscending(scores)
    .slice(0, m)
    .filter((i) => Number.isFinite(scores[i]!));
  return chosen.length > 0 ? chosen : [0];
}

/** Krum: a copy of the single best-scored candidate (ties favour self). */
const krum: AggregationRule = (self, received, _weights, opts) => {
  const all = candidates(self, received);
  return Float32Array.from(all[selectByScore(all, byzantineCount(opts), 1)[0]!]!);
};

export const krumRule = defineRule({ name: 'krum', options: ruleParams.pick({ f: true }), aggregate: krum });
