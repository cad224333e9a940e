/**
 * Comparator networks for order statistics. A network is a flat list of wire pairs
 * (lo, hi) with lo < hi; applying a comparator puts the smaller value on `lo`.
 */

/**
 * Batcher's odd-even merge sort on n wires, O(n log² n) comparators. Built for the next
 * power of two with the extra wires treated as +∞: a comparator touching such a wire
 * never moves anything, so it is simply dropped.
 */
export function sortingNetwork(n: number): Int32Array {
  let size = 1;
  while (size < n) size <<= 1;
  const pairs: number[] = [];
  for (let p = 1; p < size; p <<= 1) {
    for (let k = p; k >= 1; k >>= 1) {
      for (let j = k % p; j + k < size; j += 2 * k) {
        for (let i = 0; i < Math.min(k, size - j - k); i++) {
          const lo = i + j;
          const hi = i + j + k;
          // Only compare wires that belong to the same merge of width 2p.
          if (Math.floor(lo / (2 * p)) === Math.floor(hi / (2 * p)) && hi < n) pairs.push(lo, hi);
        }
      }
    }
  }
  return Int32Array.from(pairs);
}

/**
 * Keeps only the comparators that can influence the `needed` output wires. Every
 * comparator still permutes its two values, so the multiset of all wires is preserved:
 * the wires that are not needed hold exactly the remaining values, in some order.
 */
export function pruneNetwork(network: Int32Array, needed: readonly number[]): Int32Array {
  const live = new Set(needed);
  const kept: number[] = [];
  for (let q = network.length - 2; q >= 0; q -= 2) {
    const lo = network[q]!;
    const hi = network[q + 1]!;
    if (live.has(lo) || live.has(hi)) {
      kept.push(hi, lo);
      live.add(lo);
      live.add(hi);
    }
  }
  return Int32Array.from(kept.reverse());
}
