/**
 * Rank-r factors of one matrix, PowerSGD style (Vogels et al. 2019): with Q warm-started from the
 * previous call, P = M·Q, P ← orthonormalise(P), Q = Mᵀ·P, and M ≈ P·Qᵀ. One power iteration per
 * call; the warm start makes successive calls converge on M's top subspace (as hivemind does).
 * Error feedback is the caller's (CHOCO's x − x̂ residual). M is row-major rows × cols.
 *
 * Payload: u32 rows | u32 cols | u8 rank | u8 format (0 = fp32, 1 = fp16) | P (rows × rank) |
 * Q (cols × rank), both row-major.
 */
import { requireAtLeast, requireLength, viewOf } from '../bytes.ts';
import { reject } from '../frame-error.ts';
import { HALF_TO_F32, halfFromNumber } from '../half.ts';
import { factorProduct, leftProduct, rightProduct } from './lowrank-kernels.ts';
import { factorProductSimd, loadMatrix, type LoadedMatrix } from './lowrank-simd.ts';
import { Rng } from '../../util/rng.ts';

const HEADER = 10;
export const LOWRANK_MAX_RANK = 255;

export type FactorFormat = 'fp32' | 'fp16';

/** Payload bytes for a rank-r factorisation of a rows × cols matrix. */
export function lowRankBytes(rows: number, cols: number, rank: number, format: FactorFormat): number {
  return HEADER + (rows + cols) * rank * (format === 'fp16' ? 2 : 4);
}

/** The warm-started right factor of one matrix (one per layer and rank). */
export class PowerState {
  readonly q: Float32Array;
  constructor(cols: number, rank: number, seed: number) {
    this.q = new Float32Array(cols * rank);
    const rng = new Rng(seed);
    for (let i = 0; i < this.q.length; i++) this.q[i] = rng.gaussian();
  }
}

/** Gram–Schmidt on the columns of P (rows × r, row-major); a vanishing column becomes 0. */
function orthonormaliseColumns(p: Float64Array, rows: number, r: number): void {
  for (let c = 0; c < r; c++) {
    for (let prev = 0; prev < c; prev++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += p[i * r + c]! * p[i * r + prev]!;
      for (let i = 0; i < rows; i++) p[i * r + c]! -= dot * p[i * r + prev]!;
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += p[i * r + c]! ** 2;
    norm = Math.sqrt(norm);
    const inv = norm > 1e-30 ? 1 / norm : 0;
    for (let i = 0; i < rows; i++) p[i * r + c]! *= inv;
  }
}

/**
 * One warm-started power iteration on m (rows × cols): updates state.q and returns what writes the
 * payload, which only a chosen candidate needs (the iteration itself advances every round); call it
 * before this state's next iteration.
 * `simd` is m already in the SIMD kernel's memory (one copy for several ranks of the same matrix).
 */
export function powerIteration(
  m: Float32Array,
  rows: number,
  cols: number,
  state: PowerState,
  format: FactorFormat,
  simd: LoadedMatrix | null = loadMatrix(m, rows, cols),
): () => Uint8Array {
  const r = state.q.length / cols;
  if (m.length !== rows * cols || !Number.isInteger(r) || r < 1 || r > LOWRANK_MAX_RANK) {
    throw new RangeError(`lowrank: ${m.length} values for ${rows} × ${cols}, rank ${r}`);
  }
  const q = state.q;
  const { p, pSent, qNew } = scratchFor(rows * r, cols * r);
  if (!simd?.left(q, r, p)) leftProduct(m, rows, cols, q, r, p);
  orthonormaliseColumns(p, rows, r);
  const half = format === 'fp16';
  // P goes out rounded; Q is computed against the rounded P so that P·Qᵀ is the best fit to what is sent.
  const pHalves = half ? new Uint16Array(rows * r) : null;
  for (let k = 0; k < pSent.length; k++) {
    if (pHalves) {
      const h = halfFromNumber(p[k]!);
      pHalves[k] = h;
      pSent[k] = HALF_TO_F32[h]!;
    } else pSent[k] = p[k]!;
  }
  const pFloats = pHalves ? null : pSent.slice();
  if (!simd?.right(pSent, r, qNew)) rightProduct(m, rows, cols, pSent, r, qNew);
  for (let k = 0; k < qNew.length; k++) q[k] = qNew[k]!;
  // Q goes out as state.q: rounding the float64 qNew to fp16 first rounds it to float32.
  return () => {
    const width = half ? 2 : 4;
    const bytes = new Uint8Array(lowRankBytes(rows, cols, r, format));
    const view = viewOf(bytes);
    view.setUint32(0, rows, true);
    view.setUint32(4, cols, true);
    bytes[8] = r;
    bytes[9] = half ? 1 : 0;
    const qAt = HEADER + rows * r * width;
    if (pHalves) {
      for (let k = 0; k < pHalves.length; k++) view.setUint16(HEADER + 2 * k, pHalves[k]!, true);
      for (let k = 0; k < q.length; k++) view.setUint16(qAt + 2 * k, halfFromNumber(q[k]!), true);
    } else {
      for (let k = 0; k < pFloats!.length; k++) view.setFloat32(HEADER + 4 * k, pFloats![k]!, true);
      for (let k = 0; k < q.length; k++) view.setFloat32(qAt + 4 * k, q[k]!, true);
    }
    return bytes;
  };
}

// One iteration's products live only inside powerIteration: one set of buffers serves the thread.
let scratch = { p: new Float64Array(0), pSent: new Float32Array(0), qNew: new Float64Array(0) };

function scratchFor(pLength: number, qLength: number): typeof scratch {
  if (scratch.p.length < pLength)
    scratch = { ...scratch, p: new Float64Array(pLength), pSent: new Float32Array(pLength) };
  if (scratch.qNew.length < qLength) scratch = { ...scratch, qNew: new Float64Array(qLength) };
  return {
    p: scratch.p.subarray(0, pLength),
    pSent: scratch.pSent.subarray(0, pLength),
    qNew: scratch.qNew.subarray(0, qLength),
  };
}

/** powerIteration's payload, for a sender that always sends the factors. */
export function encodeLowRank(
  m: Float32Array,
  rows: number,
  cols: number,
  state: PowerState,
  format: FactorFormat,
  simd: LoadedMatrix | null = loadMatrix(m, rows, cols),
): Uint8Array {
  return powerIteration(m, rows, cols, state, format, simd)();
}

interface LowRankFactors {
  readonly rows: number;
  readonly cols: number;
  readonly rank: number;
  readonly half: boolean;
  readonly p: Float32Array;
  readonly q: Float32Array;
}

/** Parse and check a payload for n = rows × cols values: shape, rank, length, every factor finite. */
function readFactors(payload: Uint8Array, n: number): LowRankFactors {
  requireAtLeast(payload, HEADER, 'lowrank');
  const view = viewOf(payload);
  const rows = view.getUint32(0, true);
  const cols = view.getUint32(4, true);
  const r = payload[8]!;
  const format = payload[9]!;
  if (format > 1) reject('bad-payload', `lowrank: unknown factor format ${format}`);
  if (rows * cols !== n) {
    reject('bad-payload', `lowrank: ${rows} × ${cols} does not cover ${n} values`);
  }
  if (r < 1 || r > Math.min(rows, cols)) reject('bad-payload', `lowrank: rank ${r} for a ${rows} × ${cols} matrix`);
  const half = format === 1;
  requireLength(payload, lowRankBytes(rows, cols, r, half ? 'fp16' : 'fp32'), 'lowrank');
  const width = half ? 2 : 4;
  const read = (at: number): number => {
    if (half) {
      const h = payload[at]! | (payload[at + 1]! << 8);
      if ((h & 0x7c00) === 0x7c00) reject('non-finite', `lowrank: non-finite factor at byte ${at}`);
      return HALF_TO_F32[h]!;
    }
    const v = view.getFloat32(at, true);
    if (v - v !== 0) reject('non-finite', `lowrank: non-finite factor at byte ${at}`);
    return v;
  };
  const p = new Float32Array(rows * r);
  const q = new Float32Array(cols * r);
  for (let k = 0; k < p.length; k++) p[k] = read(HEADER + k * width);
  const qAt = HEADER + rows * r * width;
  for (let k = 0; k < q.length; k++) q[k] = read(qAt + k * width);
  return { rows, cols, rank: r, half, p, q };
}

/** out = P·Qᵀ, rejected if a value overflows float32. */
function multiplyInto({ rows, cols, rank, p, q }: LowRankFactors, out: Float32Array): void {
  const overflow = factorProductSimd(p, q, rows, cols, rank, out) ?? factorProduct(p, q, rows, cols, rank, out);
  if (overflow >= 0) reject('non-finite', `lowrank: product overflows at ${overflow}`);
}

/** Decode into out (length rows × cols, which must match the payload's shape). */
export function decodeLowRankInto(payload: Uint8Array, out: Float32Array): void {
  multiplyInto(readFactors(payload, out.length), out);
}

/** Whether some |P·Qᵀ| could exceed float32: Σ_c max|p_c|·max|q_c| bounds every value. */
function mayOverflow({ rows, cols, rank, p, q }: LowRankFactors): boolean {
  let bound = 0;
  for (let c = 0; c < rank; c++) {
    let pm = 0;
    let qm = 0;
    for (let i = 0; i < rows; i++) pm = Math.max(pm, Math.abs(p[i * rank + c]!));
    for (let j = 0; j < cols; j++) qm = Math.max(qm, Math.abs(q[j * rank + c]!));
    bound += pm * qm;
  }
  // Half the float32 maximum leaves room for the rounding of the float64 sums.
  return !(bound < 1.7e38);
}

// The adder multiplies into this buffer and adds it at once: one buffer serves the thread.
let product = new Float32Array(0);

/**
 * Check the payload for n values now (the product too, should it possibly overflow float32, which
 * fp16 factors cannot); the adder does hat += decodeLowRankInto(payload), the same float32 sums.
 */
export function lowRankAdderFor(payload: Uint8Array, n: number): (hat: Float32Array) => void {
  const factors = readFactors(payload, n);
  let checked: Float32Array | null = null;
  if (mayOverflow(factors)) {
    checked = new Float32Array(n);
    multiplyInto(factors, checked);
  }
  return (hat) => {
    if (hat.length !== n) throw new RangeError(`lowrank: adding ${n} values to a vector of ${hat.length}`);
    let values = checked;
    if (!values) {
      if (product.length < n) product = new Float32Array(n);
      values = product.subarray(0, n);
      multiplyInto(factors, values);
    }
    for (let i = 0; i < n; i++) hat[i] = hat[i]! + values[i]!;
  };
}
