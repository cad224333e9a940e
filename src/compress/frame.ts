/**
 * Wire frame for one compressed update. Little-endian layout:
 *
 *   0  magic "GLCF" (4)      4 version u8     5 codec id u8    6 sender length u8 (1..128)
 *   7  flags u8 (bit 0 = keyframe: the payload is the sender's full public copy; bit 1 = rescales
 *      section present; other bits 0)
 *   8  round u32             12 seq u32       16 paramCount u32   20 model-spec hash (8)
 *   28 payload length u32    32 sender (UTF-8)   [rescales]   payload   end-4 CRC32 of all preceding bytes
 *
 * The optional rescales section (u16 count, then count × (u16 layer, f32 mean, f32 scale), layers
 * strictly increasing) is a per-layer affine map v ← mean + (v − mean)·scale that the receiver
 * applies to its public copy of the sender before adding the delta (tracked variance correction).
 *
 * decodeFrame checks, in order: size cap, minimum length, magic, version, declared vs actual
 * length, checksum (so corruption in transit reads as 'bad-checksum'), codec id, header fields,
 * expected parameter count and spec hash, then decodes and validates the payload.
 */
import { crc32 } from '#crc32';
import { fromString } from 'uint8arrays';
import { viewOf } from './bytes.ts';
import { codecNameOf, decodePayloadInto, isCodecId } from './codecs.ts';
import type { CodecId, CodecName } from './config.ts';
import { FrameError, asFrameError, reject } from './frame-error.ts';

export const FRAME_MAGIC = fromString('GLCF', 'utf8');
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 32;
export const FRAME_CHECKSUM_BYTES = 4;
export const MAX_SENDER_BYTES = 128;
const SPEC_HASH_BYTES = 8;
const MAX_U32 = 0xffffffff;
const SPEC_HASH_RE = /^[0-9a-fA-F]{16}$/;
const FLAG_KEYFRAME = 0x01;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hexOf(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[bytes[i]!];
  return s;
}

/** Spec hashes already checked against SPEC_HASH_RE: a node checks the same one on every frame. */
const validSpecHashes = new Set<string>();

function isSpecHash(h: unknown): h is string {
  if (typeof h !== 'string') return false;
  if (validSpecHashes.has(h)) return true;
  if (!SPEC_HASH_RE.test(h)) return false;
  if (validSpecHashes.size < 64) validSpecHashes.add(h);
  return true;
}

const FLAG_RESCALES = 0x02;
const RESCALE_ENTRY_BYTES = 10;
/** Scales outside (0, MAX_RESCALE] are rejected: a variance correction never needs more. */
export const MAX_RESCALE = 64;

/** A per-layer affine map carried by a frame (see the module doc). */
export interface FrameRescale {
  readonly layer: number;
  readonly mean: number;
  readonly scale: number;
}

export interface FrameHeader {
  readonly version: number;
  readonly codecId: CodecId;
  readonly codec: CodecName;
  readonly sender: string;
  readonly round: number;
  readonly seq: number;
  readonly paramCount: number;
  /** 16 lowercase hex characters. */
  readonly specHash: string;
  readonly payloadLength: number;
  /** The payload is a full copy (reset the receiver's public copy) rather than a delta. */
  readonly keyframe: boolean;
  /** Total frame size in bytes. */
  readonly frameLength: number;
  /** Bytes of the rescales section (0 when absent). */
  readonly rescaleBytes: number;
}

export interface FrameInput {
  codecId: number;
  /** UTF-8, 1 to 128 bytes. */
  sender: string;
  round: number;
  seq: number;
  paramCount: number;
  /** 16 hex characters (8 bytes). */
  specHash: string;
  payload: Uint8Array;
  /** Mark the payload as a full copy rather than a delta (default false). */
  keyframe?: boolean;
  /** Per-layer maps the receiver applies to its copy before the delta; none: no section. */
  rescales?: readonly FrameRescale[];
}

export interface FrameExpectation {
  paramCount: number;
  specHash: string;
  /** Frames longer than this are rejected before anything else is looked at. */
  maxBytes: number;
  /** Layers in the model: a rescale naming a layer at or past this is rejected (default: any). */
  layers?: number;
}

/** Size of a frame for a sender id of senderBytes UTF-8 bytes and a payload of payloadBytes. */
export function frameLength(senderBytes: number, payloadBytes: number): number {
  return FRAME_HEADER_BYTES + senderBytes + payloadBytes + FRAME_CHECKSUM_BYTES;
}

function requireU32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_U32)
    throw new RangeError(`encodeFrame: ${name} must be a uint32, got ${v}`);
}

/** Build a frame. Invalid input is a programming error and throws TypeError/RangeError. */
export function encodeFrame(h: FrameInput): Uint8Array {
  if (!isCodecId(h.codecId)) throw new RangeError(`encodeFrame: unknown codec id ${h.codecId}`);
  requireU32('round', h.round);
  requireU32('seq', h.seq);
  requireU32('paramCount', h.paramCount);
  if (!isSpecHash(h.specHash)) {
    throw new TypeError(`encodeFrame: specHash must be 16 hex characters, got ${JSON.stringify(h.specHash)}`);
  }
  if (!(h.payload instanceof Uint8Array)) throw new TypeError('encodeFrame: payload must be a Uint8Array');
  requireU32('payload length', h.payload.length);
  const sender = fromString(h.sender, 'utf8');
  if (sender.length < 1 || sender.length > MAX_SENDER_BYTES) {
    throw new RangeError(`encodeFrame: sender must be 1 to ${MAX_SENDER_BYTES} UTF-8 bytes, got ${sender.length}`);
  }
  const rescales = h.rescales && h.rescales.length > 0 ? h.rescales : null;
  if (rescales) checkRescales(rescales);
  const section = rescales ? 2 + RESCALE_ENTRY_BYTES * rescales.length : 0;
  const total = frameLength(sender.length, h.payload.length) + section;
  const bytes = new Uint8Array(total);
  const view = viewOf(bytes);
  bytes.set(FRAME_MAGIC, 0);
  bytes[4] = FRAME_VERSION;
  bytes[5] = h.codecId;
  bytes[6] = sender.length;
  bytes[7] = (h.keyframe ? FLAG_KEYFRAME : 0) | (rescales ? FLAG_RESCALES : 0);
  view.setUint32(8, h.round, true);
  view.setUint32(12, h.seq, true);
  view.setUint32(16, h.paramCount, true);
  bytes.set(fromString(h.specHash.toLowerCase(), 'base16'), 20);
  view.setUint32(28, h.payload.length, true);
  bytes.set(sender, FRAME_HEADER_BYTES);
  if (rescales) {
    let p = FRAME_HEADER_BYTES + sender.length;
    view.setUint16(p, rescales.length, true);
    p += 2;
    for (const r of rescales) {
      view.setUint16(p, r.layer, true);
      view.setFloat32(p + 2, r.mean, true);
      view.setFloat32(p + 6, r.scale, true);
      p += RESCALE_ENTRY_BYTES;
    }
  }
  bytes.set(h.payload, FRAME_HEADER_BYTES + sender.length + section);
  const end = total - FRAME_CHECKSUM_BYTES;
  view.setUint32(end, crc32(bytes.subarray(0, end)), true);
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The sender id when it is plain ASCII (as peer ids and simulator ids are), else null. */
function asciiSender(bytes: Uint8Array, length: number): string | null {
  let s = '';
  for (let i = FRAME_HEADER_BYTES; i < FRAME_HEADER_BYTES + length; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return null;
    s += String.fromCharCode(b);
  }
  return s;
}

function checkRescales(rescales: readonly FrameRescale[]): void {
  if (rescales.length > 0xffff) throw new RangeError(`encodeFrame: ${rescales.length} rescales (at most 65535)`);
  rescales.forEach((r, k) => {
    if (!Number.isInteger(r.layer) || r.layer < 0 || r.layer > 0xffff || (k > 0 && r.layer <= rescales[k - 1]!.layer)) {
      throw new RangeError(`encodeFrame: rescale layers must be increasing uint16, got ${r.layer} at ${k}`);
    }
    if (!Number.isFinite(r.mean) || !(r.scale > 0 && r.scale <= MAX_RESCALE)) {
      throw new RangeError(`encodeFrame: rescale ${k} has mean ${r.mean}, scale ${r.scale}`);
    }
  });
}

/** Read and validate the rescales section at `at` (its length was checked by parseHeader). */
function readRescales(bytes: Uint8Array, at: number, layers: number): FrameRescale[] {
  const view = viewOf(bytes);
  const count = view.getUint16(at, true);
  const out: FrameRescale[] = [];
  for (let k = 0, p = at + 2; k < count; k++, p += RESCALE_ENTRY_BYTES) {
    const layer = view.getUint16(p, true);
    const mean = view.getFloat32(p + 2, true);
    const scale = view.getFloat32(p + 6, true);
    if (layer >= layers) reject('bad-rescale', `rescale ${k} names layer ${layer}; the model has ${layers}`);
    if (k > 0 && layer <= out[k - 1]!.layer) reject('bad-rescale', `rescale layers not increasing at entry ${k}`);
    if (!Number.isFinite(mean) || !Number.isFinite(scale)) reject('non-finite', `rescale ${k} is not finite`);
    if (!(scale > 0 && scale <= MAX_RESCALE))
      reject('bad-rescale', `rescale ${k} has scale ${scale}, outside (0, ${MAX_RESCALE}]`);
    out.push({ layer, mean, scale });
  }
  return out;
}

/** Parse and validate everything up to (not including) the expectations and the payload. */
function parseHeader(bytes: Uint8Array): FrameHeader {
  const len = bytes.length;
  if (len < FRAME_HEADER_BYTES + FRAME_CHECKSUM_BYTES)
    reject('truncated', `${len} bytes is shorter than a frame header`);
  if (
    bytes[0] !== FRAME_MAGIC[0] ||
    bytes[1] !== FRAME_MAGIC[1] ||
    bytes[2] !== FRAME_MAGIC[2] ||
    bytes[3] !== FRAME_MAGIC[3]
  ) {
    reject('bad-magic', 'not a gossiplearn compressed frame');
  }
  if (bytes[4] !== FRAME_VERSION) reject('bad-version', `version ${bytes[4]}, this node speaks ${FRAME_VERSION}`);
  const view = viewOf(bytes);
  const senderLength = bytes[6]!;
  const payloadLength = view.getUint32(28, true);
  const flags = bytes[7]!;
  let rescaleBytes = 0;
  if ((flags & FLAG_RESCALES) !== 0) {
    const at = FRAME_HEADER_BYTES + senderLength;
    if (at + 2 > len - FRAME_CHECKSUM_BYTES) reject('truncated', 'frame ends before its rescales section');
    rescaleBytes = 2 + RESCALE_ENTRY_BYTES * view.getUint16(at, true);
  }
  const declared = frameLength(senderLength, payloadLength) + rescaleBytes;
  if (declared > len) reject('truncated', `header declares ${declared} bytes, got ${len}`);
  if (declared < len) reject('length-mismatch', `header declares ${declared} bytes, got ${len}`);
  const end = len - FRAME_CHECKSUM_BYTES;
  if (crc32(bytes.subarray(0, end)) !== view.getUint32(end, true)) reject('bad-checksum', 'CRC32 does not match');
  const codecId = bytes[5]!;
  if (!isCodecId(codecId)) reject('unknown-codec', `codec id ${codecId}`);
  if (senderLength < 1 || senderLength > MAX_SENDER_BYTES) reject('bad-header', `sender length ${senderLength}`);
  if ((flags & ~(FLAG_KEYFRAME | FLAG_RESCALES)) !== 0) reject('bad-header', `unknown flags ${flags}`);
  let sender = asciiSender(bytes, senderLength);
  if (sender === null) {
    try {
      sender = utf8.decode(bytes.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + senderLength));
    } catch {
      reject('bad-header', 'sender is not valid UTF-8');
    }
  }
  return {
    version: FRAME_VERSION,
    codecId,
    codec: codecNameOf(codecId),
    sender,
    round: view.getUint32(8, true),
    seq: view.getUint32(12, true),
    paramCount: view.getUint32(16, true),
    specHash: hexOf(bytes, 20, 20 + SPEC_HASH_BYTES),
    payloadLength,
    keyframe: (flags & FLAG_KEYFRAME) !== 0,
    frameLength: len,
    rescaleBytes,
  };
}

function checkCap(bytes: unknown, maxBytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) reject('bad-argument', 'frame must be a Uint8Array');
  if (typeof maxBytes !== 'number' || !(maxBytes >= 0))
    reject('bad-argument', `maxBytes must be a non-negative number, got ${String(maxBytes)}`);
  if (bytes.length > maxBytes) reject('too-large', `${bytes.length} bytes exceeds the cap of ${maxBytes}`);
}

/**
 * Validated header without decoding the payload (checksum included), for cheap routing.
 * Throws only FrameError.
 */
export function peekFrameHeader(bytes: Uint8Array, opts: { maxBytes?: number } = {}): FrameHeader {
  try {
    checkCap(bytes, opts.maxBytes ?? Infinity);
    return parseHeader(bytes);
  } catch (err) {
    throw asFrameError(err, 'bad-header');
  }
}

/** The payload bytes of a frame whose header was parsed (a view, no copy). */
export function framePayload(bytes: Uint8Array, header: FrameHeader): Uint8Array {
  const start = FRAME_HEADER_BYTES + senderByteLength(header) + header.rescaleBytes;
  // Always a plain Uint8Array (never a Buffer subarray): codec loops that index it stay monomorphic.
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, header.payloadLength);
}

function senderByteLength(header: FrameHeader): number {
  return header.frameLength - FRAME_HEADER_BYTES - header.rescaleBytes - header.payloadLength - FRAME_CHECKSUM_BYTES;
}

/**
 * Validate a frame completely except for its payload (see framePayload): sizes, checksum, header
 * fields, the expected parameter count and spec hash. Throws only FrameError.
 */
export function decodeFrameHeader(bytes: Uint8Array, expect: FrameExpectation): FrameHeader {
  try {
    checkCap(bytes, expect?.maxBytes);
    const { paramCount, specHash } = expect;
    if (!Number.isInteger(paramCount) || paramCount < 0 || paramCount > MAX_U32) {
      reject('bad-argument', `expected paramCount must be a uint32, got ${paramCount}`);
    }
    if (!isSpecHash(specHash)) {
      reject('bad-argument', `expected specHash must be 16 hex characters, got ${String(specHash)}`);
    }
    const header = parseHeader(bytes);
    if (header.paramCount !== paramCount) {
      reject('param-count', `frame has ${header.paramCount} parameters, expected ${paramCount}`);
    }
    if (header.specHash !== specHash.toLowerCase()) {
      reject('spec-hash', `frame is for model spec ${header.specHash}, expected ${specHash.toLowerCase()}`);
    }
    return header;
  } catch (err) {
    throw err instanceof FrameError ? err : asFrameError(err, 'bad-header');
  }
}

/** The rescales section of a frame whose header was validated (empty when absent). Throws only FrameError. */
export function frameRescales(bytes: Uint8Array, header: FrameHeader, expect: FrameExpectation): FrameRescale[] {
  if (header.rescaleBytes === 0) return [];
  try {
    return readRescales(bytes, FRAME_HEADER_BYTES + senderByteLength(header), expect.layers ?? 0x10000);
  } catch (err) {
    throw err instanceof FrameError ? err : asFrameError(err, 'bad-header');
  }
}

/**
 * Decode and fully validate a frame into its header, its rescales and the dense update vector.
 * Throws only FrameError. Allocates the output vector (4 × expect.paramCount bytes, sized by the
 * caller's expectation, never by the frame) unless `into` (of that length) is given, and O(1)
 * besides; nothing sized by untrusted fields.
 */
export function decodeFrame(
  bytes: Uint8Array,
  expect: FrameExpectation,
  into?: Float32Array,
): { header: FrameHeader; values: Float32Array; rescales: FrameRescale[] } {
  const header = decodeFrameHeader(bytes, expect);
  const rescales = frameRescales(bytes, header, expect);
  try {
    const paramCount = header.paramCount;
    if (into !== undefined && into.length !== paramCount)
      reject('bad-argument', `output has ${into.length} values, expected ${paramCount}`);
    const values = into ?? new Float32Array(paramCount);
    decodePayloadInto(header.codecId, framePayload(bytes, header), values);
    return { header, values, rescales };
  } catch (err) {
    throw err instanceof FrameError ? err : asFrameError(err, 'bad-header');
  }
}
