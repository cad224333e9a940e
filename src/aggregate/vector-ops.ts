/** Tight loops over flat Float32Array vectors shared by every rule. */

/**
 * out = Σ_k coeffs[k] · vectors[k] (written into `out`, which is returned). Terms with a
 * zero coefficient are skipped entirely, so an excluded vector full of NaNs cannot leak in.
 */
export function weightedSum(
  vectors: readonly Float32Array[],
  coeffs: ArrayLike<number>,
  out: Float32Array = new Float32Array(vectors[0]!.length),
): Float32Array {
  const vs: Float32Array[] = [];
  const cs: number[] = [];
  for (let k = 0; k < vectors.length; k++) {
    if (coeffs[k] !== 0) {
      vs.push(vectors[k]!);
      cs.push(coeffs[k]!);
    }
  }
  const d = out.length;
  const m = vs.length;
  let k = 0;
  // Four inputs per pass over `out` keeps the loop memory-bound on the inputs alone. The first pass
  // writes `out` without reading it (0 + … keeps the sums bit-identical to adding onto zeros: −0 too).
  if (m >= 4) {
    const [a, b, c, e] = [vs[0]!, vs[1]!, vs[2]!, vs[3]!];
    const [ca, cb, cc, ce] = [cs[0]!, cs[1]!, cs[2]!, cs[3]!];
    for (let i = 0; i < d; i++) out[i] = 0 + ca * a[i]! + cb * b[i]! + cc * c[i]! + ce * e[i]!;
    k = 4;
  } else out.fill(0);
  for (; k + 4 <= m; k += 4) {
    const [a, b, c, e] = [vs[k]!, vs[k + 1]!, vs[k + 2]!, vs[k + 3]!];
    const [ca, cb, cc, ce] = [cs[k]!, cs[k + 1]!, cs[k + 2]!, cs[k + 3]!];
    for (let i = 0; i < d; i++) out[i] = out[i]! + ca * a[i]! + cb * b[i]! + cc * c[i]! + ce * e[i]!;
  }
  // The last one to three inputs in one pass: the same rounded sum per input, one write of `out`.
  const tail = m - k;
  if (tail === 3) {
    const [a, b, c] = [vs[k]!, vs[k + 1]!, vs[k + 2]!];
    const [ca, cb, cc] = [cs[k]!, cs[k + 1]!, cs[k + 2]!];
    for (let i = 0; i < d; i++) out[i] = Math.fround(Math.fround(out[i]! + ca * a[i]!) + cb * b[i]!) + cc * c[i]!;
  } else if (tail === 2) {
    const [a, b] = [vs[k]!, vs[k + 1]!];
    const [ca, cb] = [cs[k]!, cs[k + 1]!];
    for (let i = 0; i < d; i++) out[i] = Math.fround(out[i]! + ca * a[i]!) + cb * b[i]!;
  } else if (tail === 1) {
    const a = vs[k]!;
    const ca = cs[k]!;
    for (let i = 0; i < d; i++) out[i] = out[i]! + ca * a[i]!;
  }
  return out;
}

/** Σ (v_k[i] − mean_k)² over [start, end) for every vector, four at a time (each sum in index order). */
export function squaredDeviations(
  vs: readonly Float32Array[],
  means: Float64Array,
  start: number,
  end: number,
  out: Float64Array,
): void {
  let k = 0;
  for (; k + 4 <= vs.length; k += 4) {
    const [a, b, x, e] = [vs[k]!, vs[k + 1]!, vs[k + 2]!, vs[k + 3]!];
    const [ma, mb, mx, me] = [means[k]!, means[k + 1]!, means[k + 2]!, means[k + 3]!];
    let qa = 0;
    let qb = 0;
    let qx = 0;
    let qe = 0;
    for (let i = start; i < end; i++) {
      const ta = a[i]! - ma;
      const tb = b[i]! - mb;
      const tx = x[i]! - mx;
      const te = e[i]! - me;
      qa += ta * ta;
      qb += tb * tb;
      qx += tx * tx;
      qe += te * te;
    }
    out[k] = qa;
    out[k + 1] = qb;
    out[k + 2] = qx;
    out[k + 3] = qe;
  }
  for (; k < vs.length; k++) {
    const a = vs[k]!;
    const ma = means[k]!;
    let q = 0;
    for (let i = start; i < end; i++) {
      const t = a[i]! - ma;
      q += t * t;
    }
    out[k] = q;
  }
}

/** Uniform average of `vectors`. */
export function average(vectors: readonly Float32Array[]): Float32Array {
  return weightedSum(vectors, new Float64Array(vectors.length).fill(1 / vectors.length));
}

/** ||a − b||², accumulated in double precision. */
export function squaredDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const d = a.length;
  for (let i = 0; i < d; i++) {
    const t = a[i]! - b[i]!;
    s += t * t;
  }
  return s;
}

/** ||x − v||₂ for every v in `vectors`. */
export function distancesFrom(x: Float32Array, vectors: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(vectors.length);
  for (let k = 0; k < vectors.length; k++) out[k] = Math.sqrt(squaredDistance(x, vectors[k]!));
  return out;
}

/** Indices 0..n−1 ordered by ascending `keys`; NaN counts as +∞ and ties keep index order. */
export function argsortAscending(keys: ArrayLike<number>): number[] {
  const key = (i: number): number => (Number.isNaN(keys[i]!) ? Infinity : keys[i]!);
  const idx = Array.from({ length: keys.length }, (_, i) => i);
  return idx.sort((a, b) => (key(a) === key(b) ? a - b : key(a) < key(b) ? -1 : 1));
}
