/**
 * The three matrix products of low-rank compression, blocked so that four independent sums run at
 * once. Every value is computed with the same additions in the same order as the plain triple loops
 * (each sum from +0, terms in ascending index order, the same zero terms skipped), so results are
 * bit-identical to them. Matrices are row-major; m is rows × cols, P rows × r, Q cols × r.
 */

/** p = m·q (rows × r, float64 sums over j ascending); zero entries of m are skipped. */
export function leftProduct(m: Float32Array, rows: number, cols: number, q: Float32Array, r: number, p: Float64Array) {
  if (r % 4 === 0) leftByColumns(m, rows, cols, Float64Array.from(q), r, p);
  else if (r % 2 === 0) leftByColumnPairs(m, rows, cols, Float64Array.from(q), r, p);
  else leftByOutputs(m, cols, q, r, p);
}

/**
 * Two rows by four columns at a time: each m[i, j] (loaded and tested once) serves four sums, each
 * q[j, c] two. q is taken in float64 (exact) so that the inner loop converts nothing.
 */
function leftByColumns(m: Float32Array, rows: number, cols: number, q: Float64Array, r: number, p: Float64Array) {
  for (let i = 0; i < rows; i += 2) {
    const ra = i * cols;
    // An odd last row is paired with itself; only its first copy is written.
    const rb = i + 1 < rows ? ra + cols : ra;
    for (let c = 0; c < r; c += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let j = 0, at = c; j < cols; j++, at += r) {
        const q0 = q[at]!;
        const q1 = q[at + 1]!;
        const q2 = q[at + 2]!;
        const q3 = q[at + 3]!;
        const va = m[ra + j]!;
        const vb = m[rb + j]!;
        if (va !== 0) {
          a0 += va * q0;
          a1 += va * q1;
          a2 += va * q2;
          a3 += va * q3;
        }
        if (vb !== 0) {
          b0 += vb * q0;
          b1 += vb * q1;
          b2 += vb * q2;
          b3 += vb * q3;
        }
      }
      const o = i * r + c;
      p[o] = a0;
      p[o + 1] = a1;
      p[o + 2] = a2;
      p[o + 3] = a3;
      if (rb === ra) continue;
      p[o + r] = b0;
      p[o + r + 1] = b1;
      p[o + r + 2] = b2;
      p[o + r + 3] = b3;
    }
  }
}

/** leftByColumns with two columns: two rows by two columns at a time. */
function leftByColumnPairs(m: Float32Array, rows: number, cols: number, q: Float64Array, r: number, p: Float64Array) {
  for (let i = 0; i < rows; i += 2) {
    const ra = i * cols;
    const rb = i + 1 < rows ? ra + cols : ra;
    for (let c = 0; c < r; c += 2) {
      let a0 = 0;
      let a1 = 0;
      let b0 = 0;
      let b1 = 0;
      for (let j = 0, at = c; j < cols; j++, at += r) {
        const q0 = q[at]!;
        const q1 = q[at + 1]!;
        const va = m[ra + j]!;
        const vb = m[rb + j]!;
        if (va !== 0) {
          a0 += va * q0;
          a1 += va * q1;
        }
        if (vb !== 0) {
          b0 += vb * q0;
          b1 += vb * q1;
        }
      }
      const o = i * r + c;
      p[o] = a0;
      p[o + 1] = a1;
      if (rb === ra) continue;
      p[o + r] = b0;
      p[o + r + 1] = b1;
    }
  }
}

/** Four consecutive outputs p[k..k+3] at a time, whatever rows and columns they fall in. */
function leftByOutputs(m: Float32Array, cols: number, q: Float32Array, r: number, p: Float64Array) {
  const n = p.length;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const m0 = Math.floor(k / r) * cols;
    const m1 = Math.floor((k + 1) / r) * cols;
    const m2 = Math.floor((k + 2) / r) * cols;
    const m3 = Math.floor((k + 3) / r) * cols;
    const c0 = k % r;
    const c1 = (k + 1) % r;
    const c2 = (k + 2) % r;
    const c3 = (k + 3) % r;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0, b = 0; j < cols; j++, b += r) {
      const v0 = m[m0 + j]!;
      const v1 = m[m1 + j]!;
      const v2 = m[m2 + j]!;
      const v3 = m[m3 + j]!;
      if (v0 !== 0) s0 += v0 * q[b + c0]!;
      if (v1 !== 0) s1 += v1 * q[b + c1]!;
      if (v2 !== 0) s2 += v2 * q[b + c2]!;
      if (v3 !== 0) s3 += v3 * q[b + c3]!;
    }
    p[k] = s0;
    p[k + 1] = s1;
    p[k + 2] = s2;
    p[k + 3] = s3;
  }
  for (; k < n; k++) {
    const row = Math.floor(k / r) * cols;
    const c = k % r;
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const v = m[row + j]!;
      if (v !== 0) s += v * q[j * r + c]!;
    }
    p[k] = s;
  }
}

/**
 * q = mᵀ·p (cols × r, float64 sums over i ascending, written into q from zero); rows whose p[i, c]
 * is zero are skipped. Four rows by two columns at a time: each q[j, c] is loaded and stored once
 * per four terms, each m[i, j] loaded once per two columns.
 */
export function rightProduct(m: Float32Array, rows: number, cols: number, p: Float32Array, r: number, q: Float64Array) {
  q.fill(0);
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const ra = i * cols;
    const rb = ra + cols;
    const rc = rb + cols;
    const rd = rc + cols;
    const pa = i * r;
    const pb = pa + r;
    const pc = pb + r;
    const pd = pc + r;
    let c = 0;
    for (; c + 2 <= r; c += 2) {
      const xa = p[pa + c]!;
      const xb = p[pb + c]!;
      const xc = p[pc + c]!;
      const xd = p[pd + c]!;
      const ya = p[pa + c + 1]!;
      const yb = p[pb + c + 1]!;
      const yc = p[pc + c + 1]!;
      const yd = p[pd + c + 1]!;
      if (xa === 0 || xb === 0 || xc === 0 || xd === 0 || ya === 0 || yb === 0 || yc === 0 || yd === 0) {
        addFourRows(m, i, cols, p, r, c, q);
        addFourRows(m, i, cols, p, r, c + 1, q);
        continue;
      }
      for (let j = 0, o = c; j < cols; j++, o += r) {
        const ma = m[ra + j]!;
        const mb = m[rb + j]!;
        const mc = m[rc + j]!;
        const md = m[rd + j]!;
        q[o] = q[o]! + ma * xa + mb * xb + mc * xc + md * xd;
        q[o + 1] = q[o + 1]! + ma * ya + mb * yb + mc * yc + md * yd;
      }
    }
    if (c < r) addFourRows(m, i, cols, p, r, c, q);
  }
  for (; i < rows; i++) for (let c = 0; c < r; c++) addRowTerm(m, i * cols, cols, p[i * r + c]!, q, c, r);
}

/** Column c of rows i..i+3 into q: four terms per update of q[j, c], or row by row around a zero factor. */
function addFourRows(m: Float32Array, i: number, cols: number, p: Float32Array, r: number, c: number, q: Float64Array) {
  const xa = p[i * r + c]!;
  const xb = p[(i + 1) * r + c]!;
  const xc = p[(i + 2) * r + c]!;
  const xd = p[(i + 3) * r + c]!;
  if (xa === 0 || xb === 0 || xc === 0 || xd === 0) {
    for (let t = i; t < i + 4; t++) addRowTerm(m, t * cols, cols, p[t * r + c]!, q, c, r);
    return;
  }
  const ra = i * cols;
  const rb = ra + cols;
  const rc = rb + cols;
  const rd = rc + cols;
  for (let j = 0, o = c; j < cols; j++, o += r) {
    q[o] = q[o]! + m[ra + j]! * xa + m[rb + j]! * xb + m[rc + j]! * xc + m[rd + j]! * xd;
  }
}

function addRowTerm(m: Float32Array, row: number, cols: number, pv: number, q: Float64Array, c: number, r: number) {
  if (pv === 0) return;
  for (let j = 0, o = c; j < cols; j++, o += r) q[o] = q[o]! + m[row + j]! * pv;
}

/**
 * out = p·qᵀ rounded to float32 (rows × cols; each value a float64 sum over c ascending). Four rows
 * at a time share each row of q. Returns the index of the first non-finite value, or −1.
 */
export function factorProduct(
  p: Float32Array,
  q: Float32Array,
  rows: number,
  cols: number,
  r: number,
  out: Float32Array,
): number {
  let finite = true;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const pa = i * r;
    const pb = pa + r;
    const pc = pb + r;
    const pd = pc + r;
    const oa = i * cols;
    const ob = oa + cols;
    const oc = ob + cols;
    const od = oc + cols;
    for (let j = 0; j < cols; j++) {
      const qj = j * r;
      let sa = 0;
      let sb = 0;
      let sc = 0;
      let sd = 0;
      for (let c = 0; c < r; c++) {
        const qv = q[qj + c]!;
        sa += p[pa + c]! * qv;
        sb += p[pb + c]! * qv;
        sc += p[pc + c]! * qv;
        sd += p[pd + c]! * qv;
      }
      const a = Math.fround(sa);
      const b = Math.fround(sb);
      const e = Math.fround(sc);
      const f = Math.fround(sd);
      out[oa + j] = a;
      out[ob + j] = b;
      out[oc + j] = e;
      out[od + j] = f;
      // x − x is NaN exactly for NaN and ±Inf.
      if (a - a !== 0 || b - b !== 0 || e - e !== 0 || f - f !== 0) finite = false;
    }
  }
  for (; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let c = 0; c < r; c++) s += p[i * r + c]! * q[j * r + c]!;
      const o = Math.fround(s);
      out[i * cols + j] = o;
      if (o - o !== 0) finite = false;
    }
  }
  if (finite) return -1;
  for (let k = 0; k < out.length; k++) if (!Number.isFinite(out[k]!)) return k;
  return -1;
}
