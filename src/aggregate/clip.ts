/**
 * Clipped averaging step shared by centered clipping and ClippedGossip:
 *   centre + Σ_k w_k · clip(v_k − centre, τ),   clip(z, τ) = z · min(1, τ / ||z||).
 *
 * Adaptive radius (used when τ is not given): τ is the (f+1)-th largest distance from the
 * centre, so at most the f farthest vectors are clipped, each down to the distance of the
 * next-farthest one. With f = 0 nothing is clipped. This is the practical rule of
 * He, Karimireddy & Jaggi (2022), whose reference code clips to the second-largest neighbour
 * distance (f = 1); we generalise it to f assumed Byzantine neighbours.
 *
 * Vectors at a non-finite distance (they contain NaN/±∞) get weight 0: they cannot be
 * honest and any finite multiple of them would poison the result.
 */
import { distancesFrom, weightedSum } from './vector-ops.ts';

/** (f+1)-th largest finite distance, 0 when there are at most f of them. */
export function adaptiveClipRadius(distances: ArrayLike<number>, f: number): number {
  const finite: number[] = [];
  for (let k = 0; k < distances.length; k++) if (Number.isFinite(distances[k]!)) finite.push(distances[k]!);
  if (finite.length <= f) return 0;
  finite.sort((a, b) => b - a);
  return finite[f]!;
}

/**
 * centre + Σ_k weights[k] · clip(vectors[k] − centre, τ) as a new vector; `tau` undefined
 * selects the adaptive radius for `f` Byzantine inputs.
 */
export function clippedStep(
  centre: Float32Array,
  vectors: readonly Float32Array[],
  weights: ArrayLike<number>,
  tau: number | undefined,
  f: number,
): Float32Array {
  if (tau !== undefined && !(tau >= 0)) throw new Error(`tau must be >= 0, got ${tau}`);
  const dist = distancesFrom(centre, vectors);
  const radius = tau ?? adaptiveClipRadius(dist, f);
  // Rewrite the step as one weighted sum: (1 − Σ c_k)·centre + Σ c_k·v_k.
  const coeffs = new Float64Array(vectors.length + 1);
  let moved = 0;
  for (let k = 0; k < vectors.length; k++) {
    const d = dist[k]!;
    const scale = !Number.isFinite(d) ? 0 : d <= radius ? 1 : radius / d;
    coeffs[k + 1] = weights[k]! * scale;
    moved += coeffs[k + 1]!;
  }
  coeffs[0] = 1 - moved;
  return weightedSum([centre, ...vectors], coeffs);
}
