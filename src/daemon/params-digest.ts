import { createHash } from 'node:crypto';
import { outerStateVectors, type OuterState } from '../core/outer-optimizer.ts';

/** 16 hex digits of SHA-256 over the float32 bytes of the vectors in turn. */
function vectorsDigest(vs: readonly Float32Array[]): string {
  const h = createHash('sha256');
  for (const v of vs) h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return h.digest('hex').slice(0, 16);
}

/** 16 hex digits of SHA-256 over the vector's float32 bytes: equal digests mean bit-identical parameters. */
export function paramsDigest(v: Float32Array): string {
  return vectorsDigest([v]);
}

/** The same over θ_outer then the momentum; null without outer state. */
export function outerStateDigest(s: OuterState | undefined): string | null {
  return s ? vectorsDigest(outerStateVectors(s)) : null;
}
