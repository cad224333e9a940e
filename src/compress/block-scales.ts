/**
 * The header shared by the block-scaled codecs (int8, sign): u32 blockSize | f32 scale × nBlocks,
 * followed by a body of codec-specific size.
 */
import { requireAtLeast, requireLength, viewOf } from './bytes.ts';
import { reject } from './frame-error.ts';

export interface BlockScaledPayload {
  readonly view: DataView;
  readonly blockSize: number;
  readonly nBlocks: number;
  /** Byte offset of the body (after the scales). */
  readonly bodyAt: number;
}

/** Parse and length-check the header for d values whose body takes `bodyBytes` bytes. */
export function readBlockHeader(payload: Uint8Array, d: number, bodyBytes: number, codec: string): BlockScaledPayload {
  requireAtLeast(payload, 4, codec);
  const view = viewOf(payload);
  const blockSize = view.getUint32(0, true);
  if (blockSize === 0) reject('bad-payload', `${codec}: block size 0`);
  const nBlocks = Math.ceil(d / blockSize);
  const bodyAt = 4 + 4 * nBlocks;
  requireLength(payload, bodyAt + bodyBytes, codec);
  return { view, blockSize, nBlocks, bodyAt };
}

/** Block b's scale, rejected unless finite and non-negative. */
export function blockScale(p: BlockScaledPayload, b: number, codec: string): number {
  const scale = p.view.getFloat32(4 + 4 * b, true);
  if (scale - scale !== 0) reject('non-finite', `${codec}: non-finite scale in block ${b}`);
  if (scale < 0) reject('bad-payload', `${codec}: negative scale in block ${b}`);
  return scale;
}
