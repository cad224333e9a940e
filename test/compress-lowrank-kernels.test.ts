import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factorProduct, leftProduct, rightProduct } from '../src/compress/codecs/lowrank-kernels.ts';
import { factorProductSimd, loadMatrix, lowRankSimdAvailable } from '../src/compress/codecs/lowrank-simd.ts';
import { Rng } from '../src/util/rng.ts';

// The plain triple loops the blocked kernels must match bit for bit.
function plainLeft(m: Float32Array, rows: number, cols: number, q: Float32Array, r: number): Float64Array {
  const p = new Float64Array(rows * r);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = m[i * cols + j]!;
      if (v === 0) continue;
      for (let c = 0; c < r; c++) p[i * r + c]! += v * q[j * r + c]!;
    }
  }
  return p;
}

function plainRight(m: Float32Array, rows: number, cols: number, p: Float32Array, r: number): Float64Array {
  const q = new Float64Array(cols * r);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < r; c++) {
      const pv = p[i * r + c]!;
      if (pv === 0) continue;
      for (let j = 0; j < cols; j++) q[j * r + c]! += m[i * cols + j]! * pv;
    }
  }
  return q;
}

function plainProduct(p: Float32Array, q: Float32Array, rows: number, cols: number, r: number, out: Float32Array) {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let c = 0; c < r; c++) s += p[i * r + c]! * q[j * r + c]!;
      out[i * cols + j] = s;
    }
  }
  return out.findIndex((v) => !Number.isFinite(v));
}

/** Gaussian values with some exact zeros and negative zeros, as residuals of sparse updates have. */
function values(rng: Rng, n: number, scale: number): Float32Array {
  const x = rng.gaussianVector(n, scale);
  for (let k = 0; k < n; k++) {
    const u = rng.next();
    if (u < 0.1) x[k] = 0;
    else if (u < 0.15) x[k] = -0;
  }
  return x;
}

function assertBitEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let k = 0; k < actual.length; k++) {
    if (!Object.is(actual[k], expected[k])) assert.fail(`${what}: index ${k}: ${actual[k]} instead of ${expected[k]}`);
  }
}

test('low-rank kernels: bit-identical to the plain loops for every shape, rank and zero pattern', () => {
  const rng = new Rng(11);
  for (const rows of [1, 2, 3, 4, 5, 7, 9, 16]) {
    for (const cols of [1, 2, 5, 8]) {
      for (let r = 1; r <= 9; r++) {
        const shape = `${rows}×${cols} rank ${r}`;
        const m = values(rng, rows * cols, 3);
        const q = values(rng, cols * r, 1);
        const p = new Float64Array(rows * r);
        leftProduct(m, rows, cols, q, r, p);
        assertBitEqual(p, plainLeft(m, rows, cols, q, r), `left ${shape}`);
        const pSent = values(rng, rows * r, 1);
        const qNew = new Float64Array(cols * r).fill(7);
        rightProduct(m, rows, cols, pSent, r, qNew);
        assertBitEqual(qNew, plainRight(m, rows, cols, pSent, r), `right ${shape}`);
        const out = new Float32Array(rows * cols);
        const expected = new Float32Array(rows * cols);
        assert.equal(factorProduct(pSent, q, rows, cols, r, out), -1);
        assert.equal(plainProduct(pSent, q, rows, cols, r, expected), -1);
        assertBitEqual(out, expected, `product ${shape}`);
      }
    }
  }
});

test('low-rank kernels: skipped zero terms stay skipped next to non-finite factors', () => {
  const rows = 6;
  const cols = 3;
  const r = 4;
  const m = new Float32Array(rows * cols).fill(0.5);
  const q = new Float32Array(cols * r).fill(0.25);
  // Inf × 0 would be NaN: the zero entry of m must skip the Inf in q, as the plain loop does.
  m[1 * cols + 2] = 0;
  q[2 * r + 1] = Infinity;
  const p = new Float64Array(rows * r);
  leftProduct(m, rows, cols, q, r, p);
  assertBitEqual(p, plainLeft(m, rows, cols, q, r), 'left');
  assert.ok(Number.isFinite(p[1 * r + 1]!) && !Number.isFinite(p[0 * r + 1]!));
  // Likewise a zero factor of P skips an Inf row of m, inside a block of four rows.
  const pSent = new Float32Array(rows * r).fill(0.5);
  m[2 * cols] = Infinity;
  pSent[2 * r + 3] = 0;
  const qNew = new Float64Array(cols * r);
  rightProduct(m, rows, cols, pSent, r, qNew);
  assertBitEqual(qNew, plainRight(m, rows, cols, pSent, r), 'right');
  assert.ok(Number.isFinite(qNew[0 * r + 3]!) && !Number.isFinite(qNew[0 * r + 2]!));
});

test('low-rank kernels: the product reports the first value that overflows float32', () => {
  const rows = 9;
  const cols = 5;
  const r = 2;
  const p = new Float32Array(rows * r).fill(1);
  const q = new Float32Array(cols * r).fill(1);
  // Row 6 lies in the second block of four rows, row 8 in the tail; row 6 overflows first.
  p[6 * r] = 3e38;
  p[8 * r + 1] = -3e38;
  q[3 * r] = 2;
  q[3 * r + 1] = 2;
  const out = new Float32Array(rows * cols);
  const expected = new Float32Array(rows * cols);
  const first = factorProduct(p, q, rows, cols, r, out);
  assert.equal(first, plainProduct(p, q, rows, cols, r, expected));
  assert.equal(first, 6 * cols + 3);
  assertBitEqual(out, expected, 'product');
});

/** Like values(), with magnitudes over 24 binary decades so that any regrouped sum shows. */
function wideValues(rng: Rng, n: number): Float32Array {
  const x = values(rng, n, 1);
  for (let k = 0; k < n; k++) x[k]! *= 2 ** Math.floor(rng.next() * 24 - 12);
  return x;
}

test('low-rank SIMD: bit-identical to the plain loops for every shape and rank it takes', () => {
  assert.ok(lowRankSimdAvailable(), 'WebAssembly SIMD is available under Node 24');
  const rng = new Rng(12);
  for (let rows = 1; rows <= 13; rows++) {
    for (const cols of [1, 2, 3, 4, 6, 10]) {
      for (let r = 1; r <= 9; r++) {
        const shape = `${rows}×${cols} rank ${r}`;
        const m = wideValues(rng, rows * cols);
        const q = wideValues(rng, cols * r);
        const simd = loadMatrix(m, rows, cols);
        assert.ok(simd, shape);
        const p = new Float64Array(rows * r).fill(5);
        assert.ok(simd.left(q, r, p), `left ${shape}`);
        assertBitEqual(p, plainLeft(m, rows, cols, q, r), `left ${shape}`);
        const pSent = wideValues(rng, rows * r);
        const qNew = new Float64Array(cols * r).fill(7);
        const rightTaken = simd.right(pSent, r, qNew);
        assert.equal(rightTaken, r % 2 === 0 || (r === 1 && cols % 2 === 0), `right taken ${shape}`);
        if (rightTaken) assertBitEqual(qNew, plainRight(m, rows, cols, pSent, r), `right ${shape}`);
        const out = new Float32Array(rows * cols);
        const expected = new Float32Array(rows * cols);
        const first = factorProductSimd(pSent, q, rows, cols, r, out);
        assert.equal(first === null, cols % 2 !== 0, `product taken ${shape}`);
        if (first === null) continue;
        assert.equal(first, plainProduct(pSent, q, rows, cols, r, expected), `product ${shape}`);
        assertBitEqual(out, expected, `product ${shape}`);
      }
    }
  }
});

test('low-rank SIMD: non-finite operands go back to the scalar kernels; overflow is reported', () => {
  const rows = 6;
  const cols = 4;
  const r = 2;
  const m = new Float32Array(rows * cols).fill(0.5);
  const q = new Float32Array(cols * r).fill(0.25);
  const p = new Float64Array(rows * r);
  q[3] = Number.NaN;
  assert.equal(loadMatrix(m, rows, cols)!.left(q, r, p), false, 'q with a NaN');
  m[7] = Number.POSITIVE_INFINITY;
  const simd = loadMatrix(m, rows, cols)!;
  assert.equal(simd.right(new Float32Array(rows * r), r, new Float64Array(cols * r)), false, 'm with an Inf');
  // The product overflows float32 in row 5 (the second, partial block of four rows) first.
  const pf = new Float32Array(rows * r).fill(1);
  const qf = new Float32Array(cols * r).fill(1);
  pf[5 * r] = 3e38;
  qf[2 * r] = 2;
  const out = new Float32Array(rows * cols);
  const expected = new Float32Array(rows * cols);
  assert.equal(factorProductSimd(pf, qf, rows, cols, r, out), 5 * cols + 2);
  assert.equal(plainProduct(pf, qf, rows, cols, r, expected), 5 * cols + 2);
  assertBitEqual(out, expected, 'overflowing product');
  assert.throws(() => simd.left(qf, r, p), /replaced/, 'a matrix loaded before is stale');
});

test('low-rank SIMD: memory grows for a large matrix and small ones still come out right', () => {
  const rng = new Rng(13);
  for (const [rows, cols, r] of [
    [3, 2, 2],
    [784, 512, 8],
    [5, 6, 4],
  ] as const) {
    const m = wideValues(rng, rows * cols);
    const q = wideValues(rng, cols * r);
    const p = new Float64Array(rows * r);
    assert.ok(loadMatrix(m, rows, cols)!.left(q, r, p));
    assertBitEqual(p, plainLeft(m, rows, cols, q, r), `left ${rows}×${cols}`);
  }
});
