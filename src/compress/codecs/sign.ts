/**
 * `sign`: one bit per value plus one fp32 scale per block, the block's mean |x|
 * (scaled sign, as in EF-signSGD). Contractive: ||C(x) - x||² = ||x||² - ||x||₁²/n per block.
 * Payload: u32 blockSize | f32 scale × nBlocks | sign bits, LSB first (1 = negative).
 */
import { blockScale, readBlockHeader } from '../block-scales.ts';
import { f32Bits, viewOf } from '../bytes.ts';
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
  // ±scale is the scale's bit pattern with the sign bit flipped by the payload's bit (exactly what
  // scale · (1 − 2·bit) gives for a finite scale): written through a Uint32 view, a byte at a time.
  const u = new Uint32Array(out.buffer, out.byteOffset, d);
  const flip = (i: number): number => ((payload[bitsAt + (i >>> 3)]! >>> (i & 7)) & 1) << 31;
  for (let b = 0; b < nBlocks; b++) {
    const s = f32Bits(blockScale(header, b, 'sign'));
    const start = b * blockSize;
    const end = Math.min(d, start + blockSize);
    let i = start;
    for (; i < end && (i & 7) !== 0; i++) u[i] = s ^ flip(i);
    for (; i + 8 <= end; i += 8) {
      const byte = payload[bitsAt + (i >>> 3)]!;
      u[i] = s ^ (byte << 31);
      u[i + 1] = s ^ ((byte >>> 1) << 31);
      u[i + 2] = s ^ ((byte >>> 2) << 31);
      u[i + 3] = s ^ ((byte >>> 3) << 31);
      u[i + 4] = s ^ ((byte >>> 4) << 31);
      u[i + 5] = s ^ ((byte >>> 5) << 31);
      u[i + 6] = s ^ ((byte >>> 6) << 31);
      u[i + 7] = s ^ ((byte >>> 7) << 31);
    }
    for (; i < end; i++) u[i] = s ^ flip(i);
  }
}

/** Check the payload for d values now; the adder does hat += decodeSignInto(payload), the same float32 sums. */
export function signAdderFor(payload: Uint8Array, d: number): (hat: Float32Array) => void {
  const header = readBlockHeader(payload, d, Math.ceil(d / 8), 'sign');
  const scales = new Float64Array(header.nBlocks);
  for (let b = 0; b < scales.length; b++) scales[b] = blockScale(header, b, 'sign');
  const bits = new Uint8Array(payload.buffer, payload.byteOffset + header.bodyAt, Math.ceil(d / 8));
  const blockSize = header.blockSize;
  return (hat) => {
    if (hat.length !== d) throw new RangeError(`sign: adding ${d} values to a vector of ${hat.length}`);
    for (let b = 0; b < scales.length; b++)
      addSignBlock(bits, scales[b]!, b * blockSize, Math.min(d, (b + 1) * blockSize), hat);
  };
}

/** hat[i] += ±s over [start, end): s · (1 − 2·bit) is exactly ±s (−0 for a zero scale), without a branch. */
function addSignBlock(bits: Uint8Array, s: number, start: number, end: number, hat: Float32Array): void {
  let i = start;
  for (; i < end && (i & 7) !== 0; i++) hat[i] = hat[i]! + s * (1 - 2 * ((bits[i >>> 3]! >>> (i & 7)) & 1));
  for (; i + 8 <= end; i += 8) {
    const byte = bits[i >>> 3]!;
    hat[i] = hat[i]! + s * (1 - 2 * (byte & 1));
    hat[i + 1] = hat[i + 1]! + s * (1 - 2 * ((byte >>> 1) & 1));
    hat[i + 2] = hat[i + 2]! + s * (1 - 2 * ((byte >>> 2) & 1));
    hat[i + 3] = hat[i + 3]! + s * (1 - 2 * ((byte >>> 3) & 1));
    hat[i + 4] = hat[i + 4]! + s * (1 - 2 * ((byte >>> 4) & 1));
    hat[i + 5] = hat[i + 5]! + s * (1 - 2 * ((byte >>> 5) & 1));
    hat[i + 6] = hat[i + 6]! + s * (1 - 2 * ((byte >>> 6) & 1));
    hat[i + 7] = hat[i + 7]! + s * (1 - 2 * (byte >>> 7));
  }
  for (; i < end; i++) hat[i] = hat[i]! + s * (1 - 2 * ((bits[i >>> 3]! >>> (i & 7)) & 1));
}

export const signCodec = defineCodec({
  name: 'sign',
  id: 6,
  options: codecOptions('sign', { blockSize: intIn(1, MAX_U32).default(256) }),
  decodeInto: decodeSignInto,
  adderFor: signAdderFor,
  create: ({ blockSize }) => ({
    label: `sign(block ${blockSize})`,
    unbiased: false,
    contractive: true,
    encode: (x) => encodeSign(x, blockSize),
  }),
});
