/**
 * `int8`: symmetric 8-bit quantisation with one fp32 scale per block (scale = max|x| / 127,
 * round to nearest). Per element |x - x̂| <= scale / 2 = max|x_block| / 254.
 * Payload: u32 blockSize | f32 scale × nBlocks | i8 × d  (codes are in [-127, 127]).
 */
import { blockScale, readBlockHeader } from '../block-scales.ts';
import { viewOf } from '../bytes.ts';
import { MAX_U32, codecOptions, defineCodec, intIn } from '../codec-definition.ts';
import { reject } from '../frame-error.ts';

export function encodeInt8(x: Float32Array, blockSize: number): Uint8Array {
  const d = x.length;
  const nBlocks = Math.ceil(d / blockSize);
  const codesAt = 4 + 4 * nBlocks;
  const bytes = new Uint8Array(codesAt + d);
  const view = viewOf(bytes);
  view.setUint32(0, blockSize, true);
  const codes = new Int8Array(bytes.buffer, bytes.byteOffset + codesAt, d);
  for (let b = 0; b < nBlocks; b++) {
    const start = b * blockSize;
    const end = Math.min(d, start + blockSize);
    let max = 0;
    let sum = 0; // non-finite if the block holds NaN or ±Inf; carried into the scale for the decoder to reject
    for (let i = start; i < end; i++) {
      const v = x[i]!;
      const a = Math.abs(v); // branch-free; `v < 0 ? -v : v` mispredicts on random signs
      max = a > max ? a : max;
      sum += v;
    }
    const scale = Math.fround(max / 127 + sum * 0);
    view.setFloat32(4 + 4 * b, scale, true);
    const inv = scale > 0 ? 1 / scale : 0;
    for (let i = start; i < end; i++) {
      // floor(y + 0.5) is round-half-up; much faster than Math.round in V8.
      let q = Math.floor(x[i]! * inv + 0.5);
      if (q > 127) q = 127;
      else if (q < -127) q = -127;
      codes[i] = q;
    }
  }
  return bytes;
}

interface Int8Payload {
  readonly codes: Int8Array;
  readonly scales: Float32Array;
  readonly blockSize: number;
}

/** Validate the whole payload for d values (FrameError otherwise) and view its codes and scales. */
function checkInt8(payload: Uint8Array, d: number): Int8Payload {
  const header = readBlockHeader(payload, d, d, 'int8');
  const { blockSize, nBlocks, bodyAt: codesAt } = header;
  const scales = new Float32Array(nBlocks);
  for (let b = 0; b < nBlocks; b++) {
    const scale = blockScale(header, b, 'int8');
    // |code| <= 127, so this bounds every decoded value of the block (float32 overflow check).
    if (!Number.isFinite(Math.fround(scale * 127)))
      reject('non-finite', `int8: scale ${scale} overflows float32 in block ${b}`);
    scales[b] = scale;
  }
  // A typed view, not payload[i]: the payload may be a Buffer or a plain Uint8Array, and indexing both
  // from one loop makes it polymorphic (about 2x slower). indexOf is native: the check costs little.
  const bad = new Uint8Array(payload.buffer, payload.byteOffset + codesAt, d).indexOf(0x80);
  if (bad >= 0) reject('bad-payload', `int8: code -128 at index ${bad}`);
  return { codes: new Int8Array(payload.buffer, payload.byteOffset + codesAt, d), scales, blockSize };
}

export function decodeInt8Into(payload: Uint8Array, out: Float32Array): void {
  const d = out.length;
  const { codes, scales, blockSize } = checkInt8(payload, d);
  for (let b = 0; b < scales.length; b++) {
    const scale = scales[b]!;
    const start = b * blockSize;
    const end = Math.min(d, start + blockSize);
    for (let i = start; i < end; i++) out[i] = codes[i]! * scale;
  }
}

/** Check the payload now; the adder does hat += decodeInt8Into(payload), the same float32 sums in one pass. */
export function int8AdderFor(payload: Uint8Array, d: number): (hat: Float32Array) => void {
  const checked = checkInt8(payload, d);
  return (hat) => addInt8(checked, hat);
}

function addInt8({ codes, scales, blockSize }: Int8Payload, hat: Float32Array): void {
  const d = codes.length;
  if (hat.length !== d) throw new RangeError(`int8: adding ${d} values to a vector of ${hat.length}`);
  for (let b = 0; b < scales.length; b++) {
    const scale = scales[b]!;
    const start = b * blockSize;
    const end = Math.min(d, start + blockSize);
    for (let i = start; i < end; i++) hat[i] = hat[i]! + Math.fround(codes[i]! * scale);
  }
}

export const int8Codec = defineCodec({
  name: 'int8',
  id: 2,
  options: codecOptions('int8', { blockSize: intIn(1, MAX_U32).default(256) }),
  decodeInto: decodeInt8Into,
  adderFor: int8AdderFor,
  create: ({ blockSize }) => ({
    label: `int8(block ${blockSize})`,
    unbiased: false,
    contractive: true,
    encode: (x) => encodeInt8(x, blockSize),
  }),
});
