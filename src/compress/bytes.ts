/** Little-endian byte helpers shared by codecs and the frame. The wire is little-endian. */
import { reject } from './frame-error.ts';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Codecs copy Float32Array memory straight to the wire; a big-endian host would need byte swaps.
  throw new Error('gossiplearn compress: big-endian hosts are not supported');
}

const oneFloat = new Float32Array(1);
const oneFloatBits = new Uint32Array(oneFloat.buffer);

/** The bit pattern of v rounded to float32. */
export function f32Bits(v: number): number {
  oneFloat[0] = v;
  return oneFloatBits[0]!;
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Copy n float32 values from x[from..] into bytes at pos (raw little-endian). */
export function writeF32s(x: Float32Array, from: number, n: number, bytes: Uint8Array, pos: number): void {
  bytes.set(new Uint8Array(x.buffer, x.byteOffset + from * 4, n * 4), pos);
}

/** Copy n little-endian float32 values from bytes at pos into out[to..]. */
export function readF32s(bytes: Uint8Array, pos: number, n: number, out: Float32Array, to: number): void {
  new Uint8Array(out.buffer, out.byteOffset + to * 4, n * 4).set(bytes.subarray(pos, pos + n * 4));
}

/** Reject the payload unless out[from..to) is all finite. */
export function requireFinite(out: Float32Array, from: number, to: number, what: string): void {
  for (let i = from; i < to; i++) {
    const v = out[i]!;
    // v - v is NaN exactly for NaN and ±Inf.
    if (v - v !== 0) reject('non-finite', `${what}: value ${v} at index ${i}`);
  }
}

/** Reject unless the payload is exactly `expected` bytes long. */
export function requireLength(payload: Uint8Array, expected: number, what: string): void {
  if (payload.length !== expected) {
    reject('length-mismatch', `${what}: payload is ${payload.length} bytes, expected ${expected}`);
  }
}

/** Reject unless the payload has at least `min` bytes (for fixed-size payload headers). */
export function requireAtLeast(payload: Uint8Array, min: number, what: string): void {
  if (payload.length < min) reject('truncated', `${what}: payload is ${payload.length} bytes, need at least ${min}`);
}

/** Bytes needed to write v (a uint32) as an unsigned LEB128 varint. */
export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Write a uint32 as unsigned LEB128 at pos; returns the new position. */
export function writeVarint(bytes: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    bytes[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  bytes[pos++] = v;
  return pos;
}
