/**
 * Coordinate-wise order statistics (median, trimmed mean) with a SIMD sorting network.
 *
 * The n input vectors are processed one block of coordinates at a time: each input's
 * block is copied into its own "wire" of a small WebAssembly memory (a blocked transpose
 * into structure-of-arrays form), the wires are turned into order-preserving int32 keys,
 * and a pruned sorting network runs across the block with i32x4 min/max, four coordinates
 * per instruction and no branches. The result wires are then decoded and averaged there, in
 * weightedSum's float64 passes with float32 rounding between them (two f64x2 per four coordinates).
 *
 * Keys: float bits b ↦ b ^ ((b >> 31) & 0x7fffffff) is its own inverse and makes signed
 * int order match float order (−0 just below +0; NaNs sort beyond ±∞ by their sign bit, so
 * a NaN is treated as an extreme value and trimmed away like any outlier). Integer min/max
 * also keep the multiset of values exact, which the trimmed mean relies on.
 *
 * Scalar JavaScript cannot get close: float min/max compile to branches, and even branch-free
 * integer compare-exchanges cost ~1 ns each, i.e. ~15× the summing floor for 32 inputs.
 */
import { pruneNetwork, sortingNetwork } from './network.ts';
import {
  EMPTY_BLOCK,
  FUNC_TYPE,
  MAGIC_AND_VERSION,
  exportKind,
  functionBody,
  name,
  op,
  section,
  sectionId,
  simd,
  sleb,
  valType,
  vec,
} from './wasm-encoding.ts';

export type OrderStatistic = { kind: 'median' } | { kind: 'trimmed-mean'; trim: number };

// The tsconfig libs (ES2023 + node types) do not describe the WebAssembly JS API; declare
// the little used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  /** In place over the bytes [start, end), start < end, both multiples of 16: float bits ↔ keys. */
  toKeys(start: number, end: number): void;
  /**
   * For each comparator (two i32 byte addresses of wires) in [pairs, pairsEnd): over
   * wireBytes bytes, the lower wire gets the lane-wise min and the upper one the max.
   */
  compareExchange(pairs: number, pairsEnd: number, wireBytes: number): void;
  /**
   * One pass of weightedSum (vector-ops.ts) with every coefficient c, over nBytes (a multiple of 16)
   * of out: out = f32(out + c·w₀ + … + c·w_{terms−1}), the sum in float64 and in that order, where
   * wire t starts at src + t·wireBytes; terms ≥ 1.
   */
  weightedPass(out: number, src: number, terms: number, wireBytes: number, nBytes: number, c: number): void;
}

// toKeys(start, end), local 2: v128
// biome-ignore format: one wasm instruction and its immediates per line
const TO_KEYS = [
  op.loop, EMPTY_BLOCK,
  op.localGet, 0,
  op.localGet, 0, ...simd.v128Load, op.localTee, 2,
  op.localGet, 2, op.i32Const, 31, ...simd.i32x4ShrS,
  op.i32Const, ...sleb(0x7fffffff), ...simd.i32x4Splat,
  ...simd.v128And, ...simd.v128Xor, ...simd.v128Store,
  op.localGet, 0, op.i32Const, 16, op.i32Add, op.localTee, 0,
  op.localGet, 1, op.i32LtU, op.brIf, 0,
  op.end,
];

// compareExchange(pairs, pairsEnd, wireBytes), locals 3: lo, 4: hi, 5: loEnd (i32); 6: x, 7: y (v128)
// biome-ignore format: one wasm instruction and its immediates per line
const COMPARE_EXCHANGE = [
  op.loop, EMPTY_BLOCK,
  op.localGet, 0, op.i32Load, 2, 0, op.localSet, 3,
  op.localGet, 0, op.i32Load, 2, 4, op.localSet, 4,
  op.localGet, 3, op.localGet, 2, op.i32Add, op.localSet, 5,
  op.loop, EMPTY_BLOCK,
  op.localGet, 3, ...simd.v128Load, op.localSet, 6,
  op.localGet, 4, ...simd.v128Load, op.localSet, 7,
  op.localGet, 3, op.localGet, 6, op.localGet, 7, ...simd.i32x4MinS, ...simd.v128Store,
  op.localGet, 4, op.localGet, 6, op.localGet, 7, ...simd.i32x4MaxS, ...simd.v128Store,
  op.localGet, 4, op.i32Const, 16, op.i32Add, op.localSet, 4,
  op.localGet, 3, op.i32Const, 16, op.i32Add, op.localTee, 3,
  op.localGet, 5, op.i32LtU, op.brIf, 0,
  op.end,
  op.localGet, 0, op.i32Const, 8, op.i32Add, op.localTee, 0,
  op.localGet, 1, op.i32LtU, op.brIf, 0,
  op.end,
];

// The upper two floats of a v128 moved down (for f64x2.promote_low_f32x4); the lower two of each of two.
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

// weightedPass(out, src, terms, wireBytes, nBytes, c), locals 6: off, 7: t, 8: p (i32);
// 9: lo, 10: hi (the four sums as two f64x2), 11: x, 12: c splat (v128)
// biome-ignore format: one wasm instruction and its immediates per line
const WEIGHTED_PASS = [
  op.localGet, 5, ...simd.f64x2Splat, op.localSet, 12,
  op.i32Const, 0, op.localSet, 6,
  op.loop, EMPTY_BLOCK,
  op.localGet, 0, op.localGet, 6, op.i32Add, ...simd.v128Load, op.localTee, 11,
  ...simd.f64x2PromoteLowF32x4, op.localSet, 9,
  op.localGet, 11, op.localGet, 11, ...simd.i8x16Shuffle, ...HIGH_HALF,
  ...simd.f64x2PromoteLowF32x4, op.localSet, 10,
  op.localGet, 1, op.localGet, 6, op.i32Add, op.localSet, 8,
  op.localGet, 2, op.localSet, 7,
  op.loop, EMPTY_BLOCK,
  op.localGet, 8, ...simd.v128Load, op.localSet, 11,
  op.localGet, 9, op.localGet, 12, op.localGet, 11, ...simd.f64x2PromoteLowF32x4,
  ...simd.f64x2Mul, ...simd.f64x2Add, op.localSet, 9,
  op.localGet, 10, op.localGet, 12, op.localGet, 11, op.localGet, 11, ...simd.i8x16Shuffle, ...HIGH_HALF,
  ...simd.f64x2PromoteLowF32x4, ...simd.f64x2Mul, ...simd.f64x2Add, op.localSet, 10,
  op.localGet, 8, op.localGet, 3, op.i32Add, op.localSet, 8,
  op.localGet, 7, op.i32Const, 1, op.i32Sub, op.localTee, 7,
  op.brIf, 0,
  op.end,
  op.localGet, 0, op.localGet, 6, op.i32Add,
  op.localGet, 9, ...simd.f32x4DemoteF64x2Zero,
  op.localGet, 10, ...simd.f32x4DemoteF64x2Zero,
  ...simd.i8x16Shuffle, ...LOW_HALVES,
  ...simd.v128Store,
  op.localGet, 6, op.i32Const, 16, op.i32Add, op.localTee, 6,
  op.localGet, 4, op.i32LtU, op.brIf, 0,
  op.end,
];

function assembleModule(): Uint8Array {
  const { i32, f64, v128 } = valType;
  return new Uint8Array([
    ...MAGIC_AND_VERSION,
    ...section(
      sectionId.type,
      vec([
        [FUNC_TYPE, 2, i32, i32, 0],
        [FUNC_TYPE, 3, i32, i32, i32, 0],
        [FUNC_TYPE, 6, i32, i32, i32, i32, i32, f64, 0],
      ]),
    ),
    ...section(sectionId.function, vec([[0], [1], [2]])),
    ...section(sectionId.memory, vec([[0x00, 1]])),
    ...section(
      sectionId.export,
      vec([
        [...name('memory'), exportKind.memory, 0],
        [...name('toKeys'), exportKind.func, 0],
        [...name('compareExchange'), exportKind.func, 1],
        [...name('weightedPass'), exportKind.func, 2],
      ]),
    ),
    ...section(
      sectionId.code,
      vec([
        functionBody([[1, v128]], TO_KEYS),
        functionBody(
          [
            [3, i32],
            [2, v128],
          ],
          COMPARE_EXCHANGE,
        ),
        functionBody(
          [
            [3, i32],
            [4, v128],
          ],
          WEIGHTED_PASS,
        ),
      ]),
    ),
  ]);
}

let kernel: KernelExports | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable (e.g. node --jitless). */
function getKernel(): KernelExports | null {
  if (kernel === undefined) {
    try {
      const bytes = assembleModule();
      kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as KernelExports;
    } catch {
      kernel = null;
    }
  }
  return kernel;
}

export function simdKernelAvailable(): boolean {
  return getKernel() !== null;
}

/**
 * Coordinates per block: the largest power of two (256..8192) keeping all n wires within
 * 256 KiB, so they stay in L2 while larger blocks amortise the per-block calls. A multiple
 * of 4 (SIMD lanes).
 */
function blockSize(n: number): number {
  return 2 ** Math.max(8, Math.min(13, Math.floor(Math.log2(65536 / n))));
}

type Plan = { network: Int32Array; resultWires: number[] };
const plans = new Map<string, Plan>();

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** The pruned network and the wires whose decoded values produce the statistic. */
function plan(n: number, stat: OrderStatistic): Plan {
  const key = stat.kind === 'median' ? `median:${n}` : `trim:${n}:${stat.trim}`;
  let p = plans.get(key);
  if (p) return p;
  if (stat.kind === 'median') {
    const resultWires = n % 2 === 1 ? [(n - 1) / 2] : [n / 2 - 1, n / 2];
    p = { network: pruneNetwork(sortingNetwork(n), resultWires), resultWires };
  } else {
    const b = stat.trim;
    const middle = range(b, n - b);
    if (b === 0) {
      p = { network: new Int32Array(0), resultWires: middle };
    } else {
      // Isolating the middle or isolating the 2b extremes both leave exactly the middle
      // values on the middle wires (comparators only permute), so take the cheaper network.
      const full = sortingNetwork(n);
      const byMiddle = pruneNetwork(full, middle);
      const byExtremes = pruneNetwork(full, [...range(0, b), ...range(n - b, n)]);
      p = { network: byExtremes.length < byMiddle.length ? byExtremes : byMiddle, resultWires: middle };
    }
  }
  // runOrderStatistic averages the result wires as one run of consecutive wires.
  if (p.resultWires.some((w, j) => w !== p!.resultWires[0]! + j))
    throw new Error(`${key}: result wires not consecutive`);
  plans.set(key, p);
  return p;
}

/**
 * The statistic over `vectors` (equal lengths) as a new vector, or null when the SIMD
 * kernel is unavailable or its memory cannot grow.
 */
export function runOrderStatistic(vectors: readonly Float32Array[], stat: OrderStatistic): Float32Array | null {
  const k = getKernel();
  if (k === null) return null;
  const n = vectors.length;
  const d = vectors[0]!.length;
  const { network, resultWires } = plan(n, stat);
  const block = blockSize(n);
  const wireBytes = block * 4;

  // Memory layout: comparators as pairs of wire byte addresses, then the n wires, then the result's block.
  const pairsEnd = network.length * 4;
  const wiresStart = Math.ceil(pairsEnd / 16) * 16;
  /** Byte address of wire w (wire n holds the result's block). */
  const wireAt = (w: number): number => wiresStart + w * wireBytes;
  const resultAt = wireAt(n);
  const needed = resultAt + wireBytes;
  const have = k.memory.buffer.byteLength;
  try {
    if (have < needed) k.memory.grow(Math.ceil((needed - have) / 65536));
  } catch {
    return null;
  }
  const words = new Int32Array(k.memory.buffer);
  const floats = new Float32Array(k.memory.buffer);
  for (let q = 0; q < network.length; q++) words[q] = wireAt(network[q]!);

  // Both statistics are the average of the (consecutive) result wires once these are decoded:
  // weightedSum's passes (chunks of four, then single inputs) with 1/m each.
  const m = resultWires.length;
  const first = resultWires[0]!;
  const coeff = 1 / m;

  const out = new Float32Array(d);
  for (let base = 0; base < d; base += block) {
    const len = Math.min(block, d - base);
    // Lanes past `len` in the last block hold stale values; they are never read back.
    for (let w = 0; w < n; w++) floats.set(vectors[w]!.subarray(base, base + len), wireAt(w) / 4);
    k.toKeys(wireAt(0), wireAt(n));
    if (network.length > 0) k.compareExchange(0, pairsEnd, wireBytes);
    k.toKeys(wireAt(first), wireAt(first + m));
    floats.fill(0, resultAt / 4, resultAt / 4 + block);
    let j = 0;
    for (; j + 4 <= m; j += 4) k.weightedPass(resultAt, wireAt(first + j), 4, wireBytes, wireBytes, coeff);
    for (; j < m; j++) k.weightedPass(resultAt, wireAt(first + j), 1, wireBytes, wireBytes, coeff);
    out.set(floats.subarray(resultAt / 4, resultAt / 4 + len), base);
  }
  return out;
}
