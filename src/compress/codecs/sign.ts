/**
 * `sign`: one bit per value plus one fp32 scale per block, the block's mean |x|
 * (scaled sign, as in EF-signSGD). Contractive: ||C(x) - x||² = ||x||² - ||x||₁²/n per block.
 * Payload: u32 blockSize | f32 scale × nBlocks | sign bits, LSB first (1 = negative).
 */
import { blockScale, readBlockHeader } from '../block-scales.ts';
import { viewOf } from '../bytes.ts';
import { MAX_U32, codecOptions, defineCodec, intIn } from '../codec-definition.ts';

export function encodeSign(x: Float32Array, blockSize: number): Uint8Array {
  const d = x.length;
  const nBlocks = Math.ceil(d / blockSize);
  const bitsAt = 4 + 4 * nBlocks;
  const bytes = new Uint8Array(bitsAt + Math.ceil(d / 8));
  const view = viewOf(bytes);
  view.setUint32(0, blockSize, true);
  for (let b = 0; b < nBlocks; b++) {
    const start = b * blockSize;
    const end = Math.min(d, start + blockSize);
    let sum = 0;
    for (let i = start; i < end; i++) sum += Math.abs(x[i]!);
    view.setFloat32(4 + 4 * b, sum / (end - start), true);
  }
  const u = new Uint32Array(x.buffer, x.byteOffset, d);
  const full = d >>> 3;
  for (let j = 0, i = 0; j < full; j++, i += 8) {
    bytes[bitsAt + j] =
      (u[i]! >>> 31) |
      ((u[i + 1]! >>> 31) << 1) |
      ((u[i + 2]! >>> 31) << 2) |
      ((u[i + 3]! >>> 31) << 3) |
      ((u[i + 4]! >>> 31) << 4) |
      ((u[i + 5]! >>> 31) << 5) |
      ((u[i + 6]! >>> 31) << 6) |
      ((u[i + 7]! >>> 31) << 7);
  }
  for (let i = full * 8; i < d; i++) bytes[bitsAt + full] = bytes[bitsAt + full]! | ((u[i]! >>> 31) << (i & 7));
  return bytes;
}

export function decodeSignInto(payload: Uint8Array, out: Float32Array): void {
  const d = out.length;
  const header = readBlockHeader(payload, d, Math.ceil(d / 8), 'sign');
  const { blockSize, nBlocks, bodyAt: bitsAt } = header;
  for (let b = 0; b < nBlocks; b++) {
    const scale = blockScale(header, b, 'sign');
    const start = b * blockSize;
    const end = Math.min(d, start + blockSize);
    for (let i = start; i < end; i++) {
      // Branch-free: (1 - 2·bit) is +1 or -1.
      out[i] = scale * (1 - 2 * ((payload[bitsAt + (i >>> 3)]! >>> (i & 7)) & 1));
    }
  }
}

export const signCodec = defineCodec({
  name: 'sign',
  id: 6,
  options: codecOptions('sign', { blockSize: intIn(1, MAX_U32).default(256) }),
  decodeInto: decodeSignInto,
  create: ({ blockSize }) => ({
    label: `sign(block ${blockSize})`,
    unbiased: false,
    contractive: true,
    encode: (x) => encodeSign(x, blockSize),
  }),
});
