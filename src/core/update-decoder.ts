import {
  checkedPayloadAdder,
  CODEC_IDS,
  decodeFrameHeader,
  decodePayloadInto,
  framePayload,
  frameRescales,
  type ChocoApplyResult,
  type ChocoReceiver,
} from '../compress/index.ts';
import type { FrameExpectation, FrameHeader, FrameRescale } from '../compress/index.ts';
import { decodeTopKSparse, type SparseEntries } from '../compress/codecs/topk.ts';

/**
 * A validated update: dense, (a CHOCO top-k delta) only its non-zero entries, or (a CHOCO delta of
 * a codec that can) a checked payload that adds itself to a public copy without a dense buffer.
 */
export type DecodedUpdate =
  | { readonly kind: 'dense'; readonly values: Float32Array }
  | { readonly kind: 'sparse'; readonly entries: SparseEntries; readonly count: number }
  | { readonly kind: 'adder'; readonly addTo: (copy: Float32Array) => void };

// A node folds an update into a public copy as soon as it is decoded, so every node in a thread
// can share these buffers; only direct gossip keeps the vector (and gets its own).
let dense = new Float32Array(0);
const sparse: SparseEntries = { indices: new Int32Array(0), values: new Float32Array(0) };

/**
 * Decode and fully validate a frame (FrameError otherwise), as decodeFrame does. With `transient`,
 * the result lives only until the next call: a top-k delta stays sparse (the dense form costs a
 * fill and an add over every parameter for 1% of them) and a dense one uses a shared buffer.
 */
export function decodeUpdate(
  bytes: Uint8Array,
  expect: FrameExpectation,
  transient: boolean,
): { header: FrameHeader; update: DecodedUpdate; rescales: FrameRescale[] } {
  const header = decodeFrameHeader(bytes, expect);
  const rescales = frameRescales(bytes, header, expect);
  const payload = framePayload(bytes, header);
  if (transient && header.codecId === CODEC_IDS.topk && !header.keyframe) {
    const count = decodeTopKSparse(payload, header.paramCount, sparse);
    return { header, update: { kind: 'sparse', entries: sparse, count }, rescales };
  }
  const addTo =
    transient && !header.keyframe ? checkedPayloadAdder(header.codecId, payload, header.paramCount) : undefined;
  if (addTo) return { header, update: { kind: 'adder', addTo }, rescales };
  if (transient && dense.length !== header.paramCount) dense = new Float32Array(header.paramCount);
  const values = transient ? dense : new Float32Array(header.paramCount);
  decodePayloadInto(header.codecId, payload, values);
  return { header, update: { kind: 'dense', values }, rescales };
}

/** Apply a decoded delta to a neighbour's public copy (see ChocoReceiver.apply). */
export function applyUpdate(
  copy: ChocoReceiver,
  update: DecodedUpdate,
  seq: number,
  before?: (copy: Float32Array) => void,
): ChocoApplyResult {
  if (update.kind === 'dense') return copy.apply(update.values, seq, before);
  if (update.kind === 'adder') return copy.applyWith(update.addTo, seq, before);
  return copy.applySparse(update.entries.indices, update.entries.values, update.count, seq, before);
}

/** The dense vector of an update that is never sparse (keyframes, direct gossip). */
export function denseValues(update: DecodedUpdate): Float32Array {
  if (update.kind !== 'dense') throw new Error('expected a dense update');
  return update.values;
}
