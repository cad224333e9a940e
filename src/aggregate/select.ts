/** In-place order statistics on a slice of a Float32Array (no allocation). */

/** Below this length a plain insertion sort beats partitioning. */
const INSERTION_SORT_MAX = 16;

/** Sorts a[lo..hi) ascending in place. */
export function insertionSort(a: Float32Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= lo && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

/**
 * nth_element: reorders a[lo..hi) so that a[k] holds the value it would have if the
 * slice were sorted, with no larger value before k and no smaller value after it.
 * Quickselect with a median-of-three pivot (Hoare partition), expected O(hi − lo).
 */
export function selectKth(a: Float32Array, lo: number, hi: number, k: number): void {
  let l = lo;
  let r = hi - 1;
  while (r - l >= INSERTION_SORT_MAX) {
    const m = (l + r) >>> 1;
    // Order a[l] <= a[m] <= a[r]; the ends then act as sentinels for the scans.
    if (a[m]! < a[l]!) swap(a, m, l);
    if (a[r]! < a[l]!) swap(a, r, l);
    if (a[r]! < a[m]!) swap(a, r, m);
    const pivot = a[m]!;
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
  insertionSort(a, l, r + 1);
}

function swap(a: Float32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** Largest value of a[lo..hi) (hi > lo). */
export function maxOf(a: Float32Array, lo: number, hi: number): number {
  let m = a[lo]!;
  for (let i = lo + 1; i < hi; i++) if (a[i]! > m) m = a[i]!;
  return m;
}
