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
import { decodeFp16Into, fp16AdderFor } from './fp16.ts';
import { decodeInt8Into, int8AdderFor } from './int8.ts';
import { decodeLowRankInto, lowRankAdderFor } from './lowrank.ts';
import { decodeNoneInto } from './none.ts';
import { decodeSignInto, signAdderFor } from './sign.ts';
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

interface SegmentEntry {
  readonly codec: number;
  readonly offset: number;
  readonly values: number;
  readonly payload: Uint8Array;
}

/** Parse and check the segment table for d values (each inner payload is checked by its decoder). */
function readTable(payload: Uint8Array, d: number): SegmentEntry[] {
  requireAtLeast(payload, 4, 'segments');
  const view = viewOf(payload);
  const count = view.getUint32(0, true);
  if (count > d || (count === 0 && d > 0)) reject('bad-payload', `segments: ${count} segments for ${d} values`);
  const tableEnd = 4 + ENTRY * count;
  requireAtLeast(payload, tableEnd, 'segments');
  const table: SegmentEntry[] = [];
  let offset = 0;
  let at = tableEnd;
  for (let k = 0; k < count; k++) {
    const e = 4 + ENTRY * k;
    const codec = payload[e]!;
    const values = view.getUint32(e + 1, true);
    const bytes = view.getUint32(e + 5, true);
    if (!INNER[codec]) reject('unknown-codec', `segments: segment ${k} has inner codec ${codec}`);
    if (values === 0 || values > d - offset) {
      reject('bad-payload', `segments: segment ${k} of ${values} values overruns ${d}`);
    }
    if (bytes > payload.length - at) reject('length-mismatch', `segments: segment ${k} runs past the payload`);
    table.push({ codec, offset, values, payload: payload.subarray(at, at + bytes) });
    offset += values;
    at += bytes;
  }
  if (offset !== d) reject('bad-payload', `segments cover ${offset} of ${d} values`);
  if (at !== payload.length) reject('length-mismatch', `segments: ${payload.length - at} trailing bytes`);
  return table;
}

/** Decode into out; the segments must cover out exactly. Throws FrameError. */
export function decodeSegmentsInto(payload: Uint8Array, out: Float32Array): void {
  for (const g of readTable(payload, out.length)) {
    INNER[g.codec]!(g.payload, out.subarray(g.offset, g.offset + g.values));
  }
}

/** Inner codecs that check a payload first and add it later; the others are decoded into a buffer of their own. */
const ADDERS: Record<number, (payload: Uint8Array, n: number) => (hat: Float32Array) => void> = {
  [SEGMENT_CODECS.fp16]: fp16AdderFor,
  [SEGMENT_CODECS.int8]: int8AdderFor,
  [SEGMENT_CODECS.sign]: signAdderFor,
  [SEGMENT_CODECS.lowrank]: lowRankAdderFor,
};

function decodedAdderFor(codec: number, payload: Uint8Array, n: number): (hat: Float32Array) => void {
  const values = new Float32Array(n);
  INNER[codec]!(payload, values);
  return (hat) => {
    for (let i = 0; i < n; i++) hat[i] = hat[i]! + values[i]!;
  };
}

/**
 * Check the whole payload for d values now (FrameError otherwise); the adder does
 * hat += decodeSegmentsInto(payload), the same float32 sums, each segment in one pass.
 */
export function segmentsAdderFor(payload: Uint8Array, d: number): (hat: Float32Array) => void {
  const parts = readTable(payload, d).map((g) => ({
    ...g,
    add: (ADDERS[g.codec] ?? ((p, n) => decodedAdderFor(g.codec, p, n)))(g.payload, g.values),
  }));
  return (hat) => {
    if (hat.length !== d) throw new RangeError(`segments: adding ${d} values to a vector of ${hat.length}`);
    for (const g of parts) g.add(hat.subarray(g.offset, g.offset + g.values));
  };
}
