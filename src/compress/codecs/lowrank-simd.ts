/**
 * The low-rank products on WebAssembly SIMD (lowrank.wat): 3–5× the scalar kernels, with the same
 * bits. The operands are copied into the module's memory for each call (a 784 × 128 matrix in
 * ~0.03 ms). Each function returns false (or null) when it cannot take the case, and the caller
 * runs the scalar kernel: no WebAssembly SIMD (e.g. node --jitless), a shape the kernels do not
 * cover, or a non-finite operand whose zero-skipping the kernels would not reproduce.
 */
import {
  alignedBytes as aligned,
  instantiateEmbedded,
  type WasmKernel,
  type WasmMemory,
} from '../../util/wasm-kernel.ts';
import { LOWRANK_WASM_BASE64 } from './lowrank-wasm.ts';

interface LowRankExports {
  memory: WasmMemory;
  left4(m: number, rows: number, cols: number, q: number, r: number, p: number): void;
  left2(m: number, rows: number, cols: number, q: number, r: number, p: number): void;
  leftRows(m: number, rows: number, cols: number, q: number, r: number, p: number): void;
  right4(m: number, rows: number, cols: number, p: number, r: number, q: number): number;
  right2(m: number, rows: number, cols: number, p: number, r: number, q: number): number;
  rightTail(m: number, rows: number, cols: number, p: number, r: number, q: number, from: number): void;
  right1(m: number, rows: number, cols: number, p: number, q: number): void;
  factor(p: number, qt: number, rows: number, cols: number, r: number, out: number): number;
  allFinite(x: number, n: number): number;
}

/** Operands beyond this many bytes stay with the scalar kernels (addresses are 32-bit). */
const MAX_BYTES = 1 << 30;

let kernel: WasmKernel<LowRankExports> | null | undefined;
/** Bumped whenever the memory's operands are replaced: a stale LoadedMatrix must not run. */
let generation = 0;

function getKernel(): WasmKernel<LowRankExports> | null {
  if (kernel === undefined) kernel = instantiateEmbedded<LowRankExports>(LOWRANK_WASM_BASE64);
  return kernel;
}

export function lowRankSimdAvailable(): boolean {
  return getKernel() !== null;
}

function allFinite(x: ArrayLike<number>): boolean {
  for (let k = 0; k < x.length; k++) if (x[k]! - x[k]! !== 0) return false;
  return true;
}

/**
 * A matrix (rows × cols, row-major) copied into the kernel's memory for the two products of one
 * power iteration. Valid until the next call of loadMatrix or factorProductSimd.
 */
export interface LoadedMatrix {
  /** p = m·q (see leftProduct); false when q is not finite. */
  left(q: Float32Array, r: number, p: Float64Array): boolean;
  /** q = mᵀ·p (see rightProduct); false when m is not finite or r is odd (except r = 1, cols even). */
  right(p: Float32Array, r: number, q: Float64Array): boolean;
}

/** m in the kernel's memory, or null (no SIMD, empty, too large, or the memory cannot grow). */
export function loadMatrix(m: Float32Array, rows: number, cols: number): LoadedMatrix | null {
  const k = getKernel();
  const mBytes = aligned(4 * m.length);
  if (k === null || rows < 1 || cols < 1 || m.length !== rows * cols || mBytes > MAX_BYTES) return null;
  if (!k.reserve(mBytes)) return null;
  k.f32.set(m, 0);
  const loaded = ++generation;
  const current = (): void => {
    if (generation !== loaded) throw new Error('lowrank-simd: the matrix was replaced');
  };
  let finite: boolean | undefined;
  return {
    left(q, r, p) {
      current();
      if (q.length !== cols * r || p.length !== rows * r || !allFinite(q)) return false;
      const qAt = mBytes;
      const pAt = aligned(qAt + 8 * q.length);
      if (!k.reserve(pAt + 8 * p.length)) return false;
      k.f64.set(q, qAt / 8);
      if (r % 4 === 0) k.x.left4(0, rows, cols, qAt, r, pAt);
      else if (r % 2 === 0) k.x.left2(0, rows, cols, qAt, r, pAt);
      else k.x.leftRows(0, rows, cols, qAt, r, pAt);
      p.set(k.f64.subarray(pAt / 8, pAt / 8 + p.length));
      return true;
    },
    right(p, r, q) {
      current();
      if (p.length !== rows * r || q.length !== cols * r) return false;
      if (r % 2 !== 0 && !(r === 1 && cols % 2 === 0)) return false;
      finite ??= k.x.allFinite(0, m.length) === 1;
      if (!finite) return false;
      const pAt = mBytes;
      const qAt = aligned(pAt + 4 * p.length);
      if (!k.reserve(qAt + 8 * q.length)) return false;
      k.f32.set(p, pAt / 4);
      const qView = k.f64.subarray(qAt / 8, qAt / 8 + q.length);
      qView.fill(0);
      if (r === 1) k.x.right1(0, rows, cols, pAt, qAt);
      else {
        const done = (r % 4 === 0 ? k.x.right4 : k.x.right2)(0, rows, cols, pAt, r, qAt);
        k.x.rightTail(0, rows, cols, pAt, r, qAt, done);
      }
      q.set(qView);
      return true;
    },
  };
}

/**
 * out = p·qᵀ rounded to float32 (see factorProduct): the index of the first non-finite value or −1,
 * or null when the kernel cannot take it (no SIMD, odd cols, too large, lengths that do not match the shape).
 */
export function factorProductSimd(
  p: Float32Array,
  q: Float32Array,
  rows: number,
  cols: number,
  r: number,
  out: Float32Array,
): number | null {
  const k = getKernel();
  if (k === null || rows < 1 || cols < 1 || r < 1 || cols % 2 !== 0) return null;
  if (p.length !== rows * r || q.length !== cols * r || out.length !== rows * cols) return null;
  const qtAt = aligned(8 * p.length);
  const outAt = aligned(qtAt + 8 * q.length);
  const end = outAt + 4 * out.length;
  if (end > MAX_BYTES || !k.reserve(end)) return null;
  generation++;
  const { f64, f32 } = k;
  f64.set(p, 0);
  // q transposed (r × cols), so that two neighbouring columns of the output share one load.
  const qt = qtAt / 8;
  for (let j = 0; j < cols; j++) for (let c = 0; c < r; c++) f64[qt + c * cols + j] = q[j * r + c]!;
  const finite = k.x.factor(0, qtAt, rows, cols, r, outAt) === 1;
  out.set(f32.subarray(outAt / 4, outAt / 4 + out.length));
  if (finite) return -1;
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!)) return i;
  return -1;
}
