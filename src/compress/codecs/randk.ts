/**
 * `randk`: stratified random-k. x is cut into k contiguous blocks of near-equal size and one
 * uniformly random coordinate is kept per block. The indices come from the seed, so only the
 * seed travels. With rescaling, each kept value is multiplied by its block size, making the
 * codec unbiased (variance (d/k - 1)·‖x‖², as for uniform random-k); without, it is contractive.
 * Payload: u32 k | u8 flags (bit 0 = rescale) | u32 seed | f32 × k (unscaled values).
 */
import { z } from 'zod';
import { Rng } from '../../util/rng.ts';
import { requireAtLeast, requireLength, viewOf } from '../bytes.ts';
import { reject } from '../frame-error.ts';
import { codecOptions, defineCodec } from '../codec-definition.ts';
import { checkSparseSize, sparseCount, sparseLabel, sparseSize, sparseSizeOptions } from './sparse-size.ts';

const HEADER = 9;

export function encodeRandK(x: Float32Array, k: number, rescale: boolean, seed: number): Uint8Array {
  const d = x.length;
  if (k > d) k = d;
  const bytes = new Uint8Array(HEADER + 4 * k);
  const view = viewOf(bytes);
  view.setUint32(0, k, true);
  bytes[4] = rescale ? 1 : 0;
  view.setUint32(5, seed >>> 0, true);
  if (k === 0) return bytes;
  const rng = new Rng(seed >>> 0);
  const base = Math.floor(d / k);
  const extra = d - base * k;
  let start = 0;
  for (let j = 0; j < k; j++) {
    const size = j < extra ? base + 1 : base;
    view.setFloat32(HEADER + 4 * j, x[start + rng.int(size)]!, true);
    start += size;
  }
  return bytes;
}

export function decodeRandKInto(payload: Uint8Array, out: Float32Array): void {
  const d = out.length;
  requireAtLeast(payload, HEADER, 'randk');
  const view = viewOf(payload);
  const k = view.getUint32(0, true);
  const flags = payload[4]!;
  if (flags > 1) reject('bad-payload', `randk: unknown flags ${flags}`);
  if (k > d) reject('bad-payload', `randk: k = ${k} exceeds d = ${d}`);
  requireLength(payload, HEADER + 4 * k, 'randk');
  out.fill(0);
  if (k === 0) return;
  const rescale = flags === 1;
  const rng = new Rng(view.getUint32(5, true));
  const base = Math.floor(d / k);
  const extra = d - base * k;
  let start = 0;
  for (let j = 0; j < k; j++) {
    const size = j < extra ? base + 1 : base;
    const i = start + rng.int(size);
    const v = Math.fround(view.getFloat32(HEADER + 4 * j, true) * (rescale ? size : 1));
    if (v - v !== 0) reject('non-finite', `randk: non-finite value at index ${i}`);
    out[i] = v;
    start += size;
  }
}

export const randkCodec = defineCodec({
  name: 'randk',
  id: 5,
  options: codecOptions('randk', {
    ...sparseSizeOptions,
    rescale: z.boolean({ message: 'must be true or false' }).default(true),
  })
    .superRefine(checkSparseSize)
    .transform(({ name, fraction, k, rescale }) => ({ name, ...sparseSize(fraction, k), rescale })),
  decodeInto: decodeRandKInto,
  create: (config) => ({
    label: `randk(${sparseLabel(config)}${config.rescale ? '' : ', unscaled'})`,
    unbiased: config.rescale,
    contractive: !config.rescale,
    encode: (x, seed) => encodeRandK(x, sparseCount(x.length, config), config.rescale, seed),
  }),
});
