/**
 * All pairwise squared Euclidean distances between n vectors: O(n²·d) work. The loop is
 * blocked over coordinates so that each block of all n vectors is read from memory once
 * and then reused from cache by the n(n−1)/2 pairs, instead of streaming every vector
 * n−1 times.
 */
const BLOCK = 2048;

/** Row-major n×n matrix of ||v_i − v_j||² (double precision, zero diagonal). */
export function pairwiseSquaredDistances(vectors: readonly Float32Array[]): Float64Array {
  const n = vectors.length;
  const d = vectors[0]!.length;
  const dist = new Float64Array(n * n);
  for (let base = 0; base < d; base += BLOCK) {
    const end = Math.min(base + BLOCK, d);
    for (let i = 0; i < n; i++) {
      const a = vectors[i]!;
      for (let j = i + 1; j < n; j++) {
        const b = vectors[j]!;
        let s = 0;
        for (let c = base; c < end; c++) {
          const t = a[c]! - b[c]!;
          s += t * t;
        }
        dist[i * n + j] = dist[i * n + j]! + s;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) dist[j * n + i] = dist[i * n + j]!;
  return dist;
}
