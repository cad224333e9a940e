/** `fp16`: every value as IEEE binary16 (little-endian), round-to-nearest-even, saturating at ±65504. */
import { requireLength } from '../bytes.ts';
import { codecOptions, defineCodec } from '../codec-definition.ts';
import { reject } from '../frame-error.ts';
import { HALF_TO_F32, halfFromF32Bits } from '../half.ts';

export function encodeFp16(x: Float32Array): Uint8Array {
  const d = x.length;
  const bits = new Uint32Array(x.buffer, x.byteOffset, d);
  const bytes = new Uint8Array(d * 2);
  const halves = new Uint16Array(bytes.buffer, 0, d);
  for (let i = 0; i < d; i++) {
    const f = bits[i]!;
    const a = f & 0x7fffffff;
    // Inline the common case (normal half range, below 65520) of halfFromF32Bits.
    const h = a >= 0x38800000 && a < 0x477ff000 ? (a - 0x37fff001 + ((a >>> 13) & 1)) >>> 13 : halfFromF32Bits(a);
    halves[i] = h | ((f >>> 16) & 0x8000);
  }
  return bytes;
}

export function decodeFp16Into(payload: Uint8Array, out: Float32Array): void {
  const d = out.length;
  requireLength(payload, d * 2, 'fp16');
  if (payload.byteOffset % 2 === 0) {
    const halves = new Uint16Array(payload.buffer, payload.byteOffset, d);
    for (let i = 0; i < d; i++) {
      const h = halves[i]!;
      if ((h & 0x7c00) === 0x7c00) reject('non-finite', `fp16: non-finite value at index ${i}`);
      out[i] = HALF_TO_F32[h]!;
    }
    return;
  }
  for (let i = 0, p = 0; i < d; i++, p += 2) {
    const h = payload[p]! | (payload[p + 1]! << 8);
    if ((h & 0x7c00) === 0x7c00) reject('non-finite', `fp16: non-finite value at index ${i}`);
    out[i] = HALF_TO_F32[h]!;
  }
}

/** Check the payload for d values now; the adder does hat += decodeFp16Into(payload), the same float32 sums. */
export function fp16AdderFor(payload: Uint8Array, d: number): (hat: Float32Array) => void {
  requireLength(payload, d * 2, 'fp16');
  const halves = payload.byteOffset % 2 === 0 ? new Uint16Array(payload.buffer, payload.byteOffset, d) : null;
  const half = halves ? (i: number) => halves[i]! : (i: number) => payload[2 * i]! | (payload[2 * i + 1]! << 8);
  for (let i = 0; i < d; i++) {
    if ((half(i) & 0x7c00) === 0x7c00) reject('non-finite', `fp16: non-finite value at index ${i}`);
  }
  return (hat) => {
    if (hat.length !== d) throw new RangeError(`fp16: adding ${d} values to a vector of ${hat.length}`);
    for (let i = 0; i < d; i++) hat[i] = hat[i]! + HALF_TO_F32[half(i)]!;
  };
}

export const fp16Codec = defineCodec({
  name: 'fp16',
  id: 1,
  options: codecOptions('fp16', {}),
  decodeInto: decodeFp16Into,
  adderFor: fp16AdderFor,
  create: () => ({ label: 'fp16', unbiased: false, contractive: true, encode: (x) => encodeFp16(x) }),
});
