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

function putValue(view: DataView, bytes: Uint8Array, at: number, v: number, half: boolean): void {
  if (half) {
    const h = halfFromNumber(v);
    bytes[at] = h & 0xff;
    bytes[at + 1] = h >>> 8;
  } else view.setFloat32(at, v, true);
}

/**
 * One warm-started power iteration on m (rows × cols); returns the payload and updates state.q.
 * `simd` is m already in the SIMD kernel's memory (one copy for several ranks of the same matrix).
 */
export function encodeLowRank(
  m: Float32Array,
  rows: number,
  cols: number,
  state: PowerState,
  format: FactorFormat,
  simd: LoadedMatrix | null = loadMatrix(m, rows, cols),
): Uint8Array {
  const r = state.q.length / cols;
  if (m.length !== rows * cols || !Number.isInteger(r) || r < 1 || r > LOWRANK_MAX_RANK) {
    throw new RangeError(`lowrank: ${m.length} values for ${rows} × ${cols}, rank ${r}`);
  }
  const q = state.q;
  const p = new Float64Array(rows * r);
  if (!simd?.left(q, r, p)) leftProduct(m, rows, cols, q, r, p);
  orthonormaliseColumns(p, rows, r);
  const half = format === 'fp16';
  const width = half ? 2 : 4;
  const bytes = new Uint8Array(lowRankBytes(rows, cols, r, format));
  const view = viewOf(bytes);
  view.setUint32(0, rows, true);
  view.setUint32(4, cols, true);
  bytes[8] = r;
  bytes[9] = half ? 1 : 0;
  // P goes out rounded; Q is computed against the rounded P so that P·Qᵀ is the best fit to what is sent.
  const pSent = new Float32Array(rows * r);
  for (let k = 0; k < pSent.length; k++) {
    putValue(view, bytes, HEADER + k * width, p[k]!, half);
    pSent[k] = half ? readHalf(bytes, HEADER + k * width) : Math.fround(p[k]!);
  }
  const qNew = new Float64Array(cols * r);
  if (!simd?.right(pSent, r, qNew)) rightProduct(m, rows, cols, pSent, r, qNew);
  const qAt = HEADER + rows * r * width;
  for (let k = 0; k < qNew.length; k++) {
    putValue(view, bytes, qAt + k * width, qNew[k]!, half);
    q[k] = qNew[k]!;
  }
  return bytes;
}

function readHalf(bytes: Uint8Array, at: number): number {
  return HALF_TO_F32[bytes[at]! | (bytes[at + 1]! << 8)]!;
}

/** Decode into out (length rows × cols, which must match the payload's shape). */
export function decodeLowRankInto(payload: Uint8Array, out: Float32Array): void {
  requireAtLeast(payload, HEADER, 'lowrank');
  const view = viewOf(payload);
  const rows = view.getUint32(0, true);
  const cols = view.getUint32(4, true);
  const r = payload[8]!;
  const format = payload[9]!;
  if (format > 1) reject('bad-payload', `lowrank: unknown factor format ${format}`);
  if (rows * cols !== out.length) {
    reject('bad-payload', `lowrank: ${rows} × ${cols} does not cover ${out.length} values`);
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
  const overflow = factorProductSimd(p, q, rows, cols, r, out) ?? factorProduct(p, q, rows, cols, r, out);
  if (overflow >= 0) reject('non-finite', `lowrank: product overflows at ${overflow}`);
}
