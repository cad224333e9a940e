/**
 * `topk`: the k largest-magnitude values (exactly k; ties go to the lower index).
 * Payload: u32 k | u8 valueFormat (0 = fp32, 1 = fp16) | k values | k index deltas as LEB128
 * varints (first = the index itself, then idx[j] - idx[j-1] >= 1, so indices strictly increase).
 */
import { requireAtLeast, varintSize, viewOf, writeVarint } from '../bytes.ts';
import { reject } from '../frame-error.ts';
import { HALF_TO_F32, halfFromF32Bits } from '../half.ts';
import { codecOptions, defineCodec, oneOf } from '../codec-definition.ts';
import { TopKSelector } from '../select.ts';
import { checkSparseSize, sparseCount, sparseLabel, sparseSize, sparseSizeOptions } from './sparse-size.ts';

export type SparseValueFormat = 'fp32' | 'fp16';
const HEADER = 5;

export function encodeTopK(
  x: Float32Array,
  k: number,
  values: SparseValueFormat,
  selector: TopKSelector,
  seed: number,
): Uint8Array {
  const idx = selector.select(x, k, seed);
  const n = idx.length;
  const valueBytes = values === 'fp16' ? 2 : 4;
  let indexBytes = 0;
  let prev = 0;
  for (let j = 0; j < n; j++) {
    const i = idx[j]!;
    indexBytes += varintSize(i - prev);
    prev = i;
  }
  const valuesAt = HEADER;
  const indicesAt = HEADER + n * valueBytes;
  const bytes = new Uint8Array(indicesAt + indexBytes);
  const view = viewOf(bytes);
  view.setUint32(0, n, true);
  bytes[4] = values === 'fp16' ? 1 : 0;
  if (values === 'fp16') {
    const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
    for (let j = 0, p = valuesAt; j < n; j++, p += 2) {
      const h = halfFromF32Bits(bits[idx[j]!]!);
      bytes[p] = h & 0xff;
      bytes[p + 1] = h >>> 8;
    }
  } else {
    for (let j = 0, p = valuesAt; j < n; j++, p += 4) view.setFloat32(p, x[idx[j]!]!, true);
  }
  let p = indicesAt;
  prev = 0;
  for (let j = 0; j < n; j++) {
    const i = idx[j]!;
    p = writeVarint(bytes, p, i - prev);
    prev = i;
  }
  return bytes;
}

/** Where decodeTopKSparse puts a payload's entries; grown as needed. */
export interface SparseEntries {
  indices: Int32Array;
  values: Float32Array;
}

/**
 * Validate a topk payload for dimension d and put its k entries (indices strictly increasing) in
 * `out`; returns k. Throws FrameError on a malformed payload.
 */
export function decodeTopKSparse(payload: Uint8Array, d: number, out: SparseEntries): number {
  const len = payload.length;
  requireAtLeast(payload, HEADER, 'topk');
  const view = viewOf(payload);
  const k = view.getUint32(0, true);
  const format = payload[4]!;
  if (format > 1) reject('bad-payload', `topk: unknown value format ${format}`);
  if (k > d) reject('bad-payload', `topk: k = ${k} exceeds d = ${d}`);
  const half = format === 1;
  const indicesAt = HEADER + k * (half ? 2 : 4);
  if (indicesAt + k > len) {
    reject('length-mismatch', `topk: ${len} bytes cannot hold ${k} values and indices`);
  }
  if (out.indices.length < k) {
    out.indices = new Int32Array(k);
    out.values = new Float32Array(k);
  }
  const { indices, values } = out;
  let p = indicesAt;
  let prev = 0;
  for (let j = 0; j < k; j++) {
    // Unsigned LEB128, at most 5 bytes for a uint32.
    let delta = 0;
    let shift = 0;
    for (;;) {
      if (p >= len) reject('length-mismatch', `topk: index ${j} runs past the end of the payload`);
      const byte = payload[p++]!;
      if (shift === 28 && byte > 0x0f) reject('bad-index', `topk: index ${j} varint exceeds 32 bits`);
      delta += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
      shift += 7;
    }
    if (j > 0 && delta === 0) reject('bad-index', `topk: indices not strictly increasing at entry ${j}`);
    const i = j === 0 ? delta : prev + delta;
    if (i >= d) reject('bad-index', `topk: index ${i} out of range [0, ${d})`);
    let v: number;
    if (half) {
      const q = HEADER + 2 * j;
      const h = payload[q]! | (payload[q + 1]! << 8);
      if ((h & 0x7c00) === 0x7c00) reject('non-finite', `topk: non-finite value at index ${i}`);
      v = HALF_TO_F32[h]!;
    } else {
      v = view.getFloat32(HEADER + 4 * j, true);
      if (v - v !== 0) reject('non-finite', `topk: non-finite value at index ${i}`);
    }
    indices[j] = i;
    values[j] = v;
    prev = i;
  }
  if (p !== len) reject('length-mismatch', `topk: ${len - p} trailing bytes after the indices`);
  return k;
}

const denseScratch: SparseEntries = { indices: new Int32Array(0), values: new Float32Array(0) };

export function decodeTopKInto(payload: Uint8Array, out: Float32Array): void {
  const k = decodeTopKSparse(payload, out.length, denseScratch);
  out.fill(0);
  const { indices, values } = denseScratch;
  for (let j = 0; j < k; j++) out[indices[j]!] = values[j]!;
}

export const topkCodec = defineCodec({
  name: 'topk',
  id: 4,
  options: codecOptions('topk', { ...sparseSizeOptions, values: oneOf(['fp16', 'fp32']).default('fp32') })
    .superRefine(checkSparseSize)
    .transform(({ name, fraction, k, values }) => ({ name, ...sparseSize(fraction, k), values })),
  decodeInto: decodeTopKInto,
  create: (config) => {
    const selector = new TopKSelector();
    return {
      label: `topk(${sparseLabel(config)}, ${config.values})`,
      unbiased: false,
      contractive: true,
      encode: (x, seed) => encodeTopK(x, sparseCount(x.length, config), config.values, selector, seed),
    };
  },
});
