/** `none`: raw little-endian fp32, the uncompressed reference. */
import { readF32s, requireFinite, requireLength, writeF32s } from '../bytes.ts';
import { codecOptions, defineCodec } from '../codec-definition.ts';

export function encodeNone(x: Float32Array): Uint8Array {
  const bytes = new Uint8Array(x.length * 4);
  writeF32s(x, 0, x.length, bytes, 0);
  return bytes;
}

export function decodeNoneInto(payload: Uint8Array, out: Float32Array): void {
  requireLength(payload, out.length * 4, 'none');
  readF32s(payload, 0, out.length, out, 0);
  requireFinite(out, 0, out.length, 'none');
}

export const noneCodec = defineCodec({
  name: 'none',
  id: 0,
  options: codecOptions('none', {}),
  decodeInto: decodeNoneInto,
  create: () => ({ label: 'none', unbiased: true, contractive: true, encode: (x) => encodeNone(x) }),
});
