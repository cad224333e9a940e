/**
 * A payload made of per-layer segments, each encoded by its own inner codec, so that every layer
 * can be compressed its own way (PowerSGD factors for weight matrices, fp16 biases; or the
 * per-layer choice of the `layered` codec). Segments cover the vector in order.
 *
 * Payload: u32 count | count × (u8 codec id, u32 values, u32 payload bytes) | the inner payloads.
 * Inner codec ids are the wire ids (none, fp16, int8, topk, sign), plus 7 meaning the rank-r
 * factors of one matrix (lowrank.ts); a segment cannot itself be segmented.
 */
import { requireAtLeast, viewOf } from '../bytes.ts';
import { reject } from '../frame-error.ts';
import { decodeFp16Into } from './fp16.ts';
import { decodeInt8Into } from './int8.ts';
import { decodeLowRankInto } from './lowrank.ts';
import { decodeNoneInto } from './none.ts';
import { decodeSignInto } from './sign.ts';
import { decodeTopKInto } from './topk.ts';

/** Inner segment codec ids (a subset of the wire ids; 7 = one matrix's low-rank factors). */
export const SEGMENT_CODECS = { none: 0, fp16: 1, int8: 2, topk: 4, sign: 6, lowrank: 7 } as const;
type SegmentCodecId = (typeof SEGMENT_CODECS)[keyof typeof SEGMENT_CODECS];

const INNER: Record<number, (payload: Uint8Array, out: Float32Array) => void> = {
  [SEGMENT_CODECS.none]: decodeNoneInto,
  [SEGMENT_CODECS.fp16]: decodeFp16Into,
  [SEGMENT_CODECS.int8]: decodeInt8Into,
  [SEGMENT_CODECS.topk]: decodeTopKInto,
  [SEGMENT_CODECS.sign]: decodeSignInto,
  [SEGMENT_CODECS.lowrank]: decodeLowRankInto,
};

export interface EncodedSegment {
  readonly codec: SegmentCodecId;
  readonly values: number;
  readonly payload: Uint8Array;
}

const ENTRY = 9;

export function encodeSegments(segments: readonly EncodedSegment[]): Uint8Array {
  const total = 4 + ENTRY * segments.length + segments.reduce((s, g) => s + g.payload.length, 0);
  const bytes = new Uint8Array(total);
  const view = viewOf(bytes);
  view.setUint32(0, segments.length, true);
  let at = 4 + ENTRY * segments.length;
  segments.forEach((g, k) => {
    const e = 4 + ENTRY * k;
    bytes[e] = g.codec;
    view.setUint32(e + 1, g.values, true);
    view.setUint32(e + 5, g.payload.length, true);
    bytes.set(g.payload, at);
    at += g.payload.length;
  });
  return bytes;
}

/** Decode into out; the segments must cover out exactly. Throws FrameError. */
export function decodeSegmentsInto(payload: Uint8Array, out: Float32Array): void {
  requireAtLeast(payload, 4, 'segments');
  const view = viewOf(payload);
  const count = view.getUint32(0, true);
  if (count > out.length || (count === 0 && out.length > 0)) {
    reject('bad-payload', `segments: ${count} segments for ${out.length} values`);
  }
  const tableEnd = 4 + ENTRY * count;
  requireAtLeast(payload, tableEnd, 'segments');
  let offset = 0;
  let at = tableEnd;
  for (let k = 0; k < count; k++) {
    const e = 4 + ENTRY * k;
    const codec = payload[e]!;
    const values = view.getUint32(e + 1, true);
    const bytes = view.getUint32(e + 5, true);
    const decode = INNER[codec];
    if (!decode) reject('unknown-codec', `segments: segment ${k} has inner codec ${codec}`);
    if (values === 0 || values > out.length - offset) {
      reject('bad-payload', `segments: segment ${k} of ${values} values overruns ${out.length}`);
    }
    if (bytes > payload.length - at) reject('length-mismatch', `segments: segment ${k} runs past the payload`);
    decode(payload.subarray(at, at + bytes), out.subarray(offset, offset + values));
    offset += values;
    at += bytes;
  }
  if (offset !== out.length) reject('bad-payload', `segments cover ${offset} of ${out.length} values`);
  if (at !== payload.length) reject('length-mismatch', `segments: ${payload.length - at} trailing bytes`);
}
