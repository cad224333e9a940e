/**
 * The passes of the corrected weighted mean on WebAssembly SIMD (mean-kernels.wat): the same bits as
 * the plain loops (mean-passes.ts) in about a third of the time. The output and every input are copied
 * into the kernel's memory once per mean and the output copied back by finish(). The layer moments of
 * the other rules' variance correction run on the same kernel (simdLayerMoments).
 */
import { alignedBytes, instantiateEmbedded, type WasmKernel, type WasmMemory } from '../util/wasm-kernel.ts';
import type { MeanPasses } from './mean-passes.ts';
import { MEAN_WASM_BASE64 } from './mean-wasm.ts';

interface MeanExports {
  memory: WasmMemory;
  four(
    out: number,
    a: number,
    b: number,
    x: number,
    e: number,
    n: number,
    coeffs: number,
    first: number,
    sums: number,
  ): void;
  five(
    out: number,
    a: number,
    b: number,
    x: number,
    e: number,
    f: number,
    n: number,
    coeffs: number,
    first: number,
    sums: number,
  ): void;
  one(out: number, a: number, n: number, ca: number, sums: number): void;
  squares6(
    a0: number,
    a1: number,
    a2: number,
    a3: number,
    a4: number,
    a5: number,
    n: number,
    means: number,
    out: number,
  ): void;
  rescale(out: number, n: number, mean: number, scale: number): void;
  sums6(a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, n: number, out: number): void;
}

/** Means whose vectors take more bytes than this stay with the plain loops (the memory never shrinks). */
const MAX_BYTES = 256 << 20;
// Scratch at the start of the memory (byte offsets): five coefficients, six sums, six means, six squares.
const COEFFS = 0;
const SUMS = 48;
const MEANS = 96;
const SQUARES = 144;
const VECTORS = 192;

let kernel: WasmKernel<MeanExports> | null | undefined;
/** Bumped by every simdMeanPasses: passes over replaced vectors must not run. */
let generation = 0;

export function meanSimdAvailable(): boolean {
  kernel ??= instantiateEmbedded<MeanExports>(MEAN_WASM_BASE64);
  return kernel !== null;
}

/** Vectors copied into the kernel's memory: at(v, i) is the address of vector v's element i. */
interface Loaded {
  readonly k: WasmKernel<MeanExports>;
  readonly at: (v: number, i: number) => number;
  /** Throws once a later load replaced the vectors. */
  readonly current: () => void;
}

/** Copy vs into the kernel's memory; null when the kernel is unavailable, they are too large or differ in length. */
function load(vs: readonly Float32Array[]): Loaded | null {
  if (vs.length === 0 || !meanSimdAvailable()) return null;
  const k = kernel!;
  const d = vs[0]!.length;
  const stride = alignedBytes(4 * d);
  const bytes = VECTORS + stride * vs.length;
  if (bytes > MAX_BYTES || vs.some((v) => v.length !== d) || !k.reserve(bytes)) return null;
  const at = (v: number, i: number): number => VECTORS + stride * v + 4 * i;
  for (let u = 0; u < vs.length; u++) k.f32.set(vs[u]!, at(u, 0) / 4);
  const mine = ++generation;
  const current = (): void => {
    if (generation !== mine) throw new Error('mean-simd: the vectors were replaced');
  };
  return { k, at, current };
}

/**
 * squaredDeviations of the first `count` loaded vectors around means over [start, end), six per pass,
 * the last group padded with its last vector (six chains hide each other's latency; one or two alone
 * would not).
 */
function squaresOf(
  { k, at }: Loaded,
  count: number,
  means: ArrayLike<number>,
  start: number,
  end: number,
  squares: Float64Array,
): void {
  const f64 = k.f64;
  for (let v = 0; v < count; v += 6) {
    const w = (t: number): number => Math.min(v + t, count - 1);
    for (let t = 0; t < 6; t++) f64[MEANS / 8 + t] = means[w(t)]!;
    const a = (t: number): number => at(w(t), start);
    k.x.squares6(a(0), a(1), a(2), a(3), a(4), a(5), end - start, MEANS, SQUARES);
    for (let t = 0; t < 6 && v + t < count; t++) squares[v + t] = f64[SQUARES / 8 + t]!;
  }
}

/**
 * The passes over copies of out and inputs in the kernel's memory, valid until the next call; null
 * when the kernel is unavailable, the vectors are too large (or the memory cannot grow) or their lengths differ.
 */
export function simdMeanPasses(
  out: Float32Array,
  inputs: readonly Float32Array[],
  summed: readonly number[],
  coeffs: readonly number[],
): MeanPasses | null {
  const d = out.length;
  // Vector 0 is the output, vector u + 1 input u.
  const loaded = load([out, ...inputs]);
  if (!loaded) return null;
  const { k, at, current } = loaded;
  const { x } = k;
  const input = (j: number, i: number): number => at(summed[j]! + 1, i);
  return {
    four(j, first, start, end, sums) {
      current();
      const f64 = k.f64;
      for (let c = 0; c < 4; c++) f64[COEFFS / 8 + c] = coeffs[j + c]!;
      const n = end - start;
      x.four(
        at(0, start),
        input(j, start),
        input(j + 1, start),
        input(j + 2, start),
        input(j + 3, start),
        n,
        COEFFS,
        first ? 1 : 0,
        SUMS,
      );
      for (let c = 0; c < 4; c++) sums[j + c] = f64[SUMS / 8 + c]!;
      return f64[SUMS / 8 + 4]!;
    },
    five(j, first, start, end, sums) {
      current();
      const f64 = k.f64;
      for (let c = 0; c < 5; c++) f64[COEFFS / 8 + c] = coeffs[j + c]!;
      const n = end - start;
      const [a, b, c, e, f] = [0, 1, 2, 3, 4].map((t) => input(j + t, start)) as [
        number,
        number,
        number,
        number,
        number,
      ];
      x.five(at(0, start), a, b, c, e, f, n, COEFFS, first ? 1 : 0, SUMS);
      for (let t = 0; t < 5; t++) sums[j + t] = f64[SUMS / 8 + t]!;
      return f64[SUMS / 8 + 5]!;
    },
    one(j, start, end, sums) {
      current();
      x.one(at(0, start), input(j, start), end - start, coeffs[j]!, SUMS);
      sums[j] = k.f64[SUMS / 8]!;
      return k.f64[SUMS / 8 + 1]!;
    },
    zero(start, end) {
      current();
      k.f32.fill(0, at(0, start) / 4, at(0, end) / 4);
    },
    sumOf(u, start, end) {
      current();
      const f32 = k.f32;
      let s = 0;
      for (let i = at(u + 1, start) / 4, stop = at(u + 1, end) / 4; i < stop; i++) s += f32[i]!;
      return s;
    },
    squares(means, start, end, squares) {
      current();
      squaresOf(loaded, inputs.length + 1, means, start, end, squares);
    },
    rescale(start, end, mean, scale) {
      current();
      x.rescale(at(0, start), end - start, mean, scale);
    },
    finish() {
      current();
      out.set(k.f32.subarray(at(0, 0) / 4, at(0, d) / 4));
    },
  };
}

export interface LayerMoments {
  readonly means: Float64Array;
  readonly variances: Float64Array;
}

/**
 * layerMomentsOfAll (variance-correction.ts) of any layer of these vectors, with the same bits: the
 * vectors are copied into the kernel's memory once for all the layers asked about. Valid until the
 * next call of this or simdMeanPasses; null where the kernel cannot take them (as simdMeanPasses).
 */
export function simdLayerMoments(
  vs: readonly Float32Array[],
): ((entry: { readonly offset: number; readonly size: number }) => LayerMoments) | null {
  const loaded = load(vs);
  if (!loaded) return null;
  const { k, at, current } = loaded;
  const n = vs.length;
  return ({ offset, size }) => {
    current();
    const means = new Float64Array(n);
    const squares = new Float64Array(n);
    if (size === 0) return { means, variances: squares };
    const f64 = k.f64;
    for (let v = 0; v < n; v += 6) {
      const a = (t: number): number => at(Math.min(v + t, n - 1), offset);
      k.x.sums6(a(0), a(1), a(2), a(3), a(4), a(5), size, SUMS);
      for (let t = 0; t < 6 && v + t < n; t++) means[v + t] = f64[SUMS / 8 + t]! / size;
    }
    squaresOf(loaded, n, means, offset, offset + size, squares);
    for (let v = 0; v < n; v++) squares[v] = squares[v]! / size;
    return { means, variances: squares };
  };
}
