import { createHash } from 'node:crypto';

/** 16 hex digits of SHA-256 over the vector's float32 bytes: equal digests mean bit-identical parameters. */
export function paramsDigest(v: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex').slice(0, 16);
}
