/**
 * Codecs by config, and payload decoding by wire id. A codec turns a Float32Array into a
 * self-describing payload (every parameter the decoder needs travels inside it), so any payload can
 * be decoded knowing only its codec id. The codecs themselves are the definitions in codecs/.
 */
import type { CodecParts } from './codec-definition.ts';
import { CODECS } from './codecs/index.ts';
import type { CodecLayout } from './codecs/powersgd.ts';
import { codecDefinition, parseCodecConfig } from './config.ts';
import type { CodecConfig, CodecId, CodecName } from './config.ts';
import { FrameError, asFrameError } from './frame-error.ts';

export interface Codec extends CodecParts {
  /** Wire id, stable. */
  readonly id: CodecId;
  readonly name: CodecName;
  /** The validated config with defaults filled in. */
  readonly config: CodecConfig;
  /** Dense vector of length d; throws FrameError (and nothing else) on a malformed payload. */
  decode(payload: Uint8Array, d: number): Float32Array;
  /** Like decode, writing every element of out (d = out.length); returns out. */
  decodeInto(payload: Uint8Array, out: Float32Array): Float32Array;
  /** Check a payload and return what adds it to a vector, when the codec can (CodecDefinition.adderFor). */
  readonly adderFor?: (payload: Uint8Array, d: number) => (hat: Float32Array) => void;
}

type Definition = (typeof CODECS)[number];

/** Definitions indexed by wire id (holes for unused ids). */
const byId: Array<Definition | undefined> = [];
for (const c of CODECS) byId[c.id] = c;

export function isCodecId(n: number): n is CodecId {
  return Number.isInteger(n) && byId[n] !== undefined;
}

export function codecNameOf(id: CodecId): CodecName {
  return byId[id]!.name;
}

/** Decode a payload of the given codec into out. Throws only FrameError. */
export function decodePayloadInto(codecId: number, payload: Uint8Array, out: Float32Array): Float32Array {
  const def = Number.isInteger(codecId) ? byId[codecId] : undefined;
  if (!def) throw new FrameError('unknown-codec', `codec id ${codecId}`);
  try {
    def.decodeInto(payload, out);
  } catch (err) {
    throw asFrameError(err, 'bad-payload');
  }
  return out;
}

/**
 * For codecs that can add a payload straight into a vector: check `payload` for d values now
 * (FrameError otherwise) and return the adder; undefined for the others (decode them instead).
 */
export function checkedPayloadAdder(
  codecId: number,
  payload: Uint8Array,
  d: number,
): ((hat: Float32Array) => void) | undefined {
  const def = Number.isInteger(codecId) ? byId[codecId] : undefined;
  if (!def?.adderFor) return undefined;
  try {
    return def.adderFor(payload, d);
  } catch (err) {
    throw asFrameError(err, 'bad-payload');
  }
}

export function decodePayload(codecId: number, payload: Uint8Array, d: number): Float32Array {
  if (!Number.isSafeInteger(d) || d < 0 || d > 0xffffffff) {
    throw new FrameError('bad-argument', `vector length ${d} is not a uint32`);
  }
  return decodePayloadInto(codecId, payload, new Float32Array(d));
}

/**
 * Build a codec from a config (validated with parseCodecConfig; bad configs throw ConfigError). The
 * layer-aware codecs (powersgd, layered) need the model's layer table and keep state between
 * calls (warm-started factors): one instance per sender.
 */
export function getCodec(cfg: CodecConfig | CodecName, layout?: CodecLayout): Codec {
  const config = parseCodecConfig(cfg);
  const def = codecDefinition(config.name)!;
  // config is the output of def.options, which is what def.create takes.
  const create = def.create as (config: CodecConfig, layout?: CodecLayout) => CodecParts;
  const { label, unbiased, contractive, encode } = create(config, layout);
  const id = def.id;
  return {
    id,
    name: config.name,
    config,
    label,
    unbiased,
    contractive,
    encode,
    decode: (payload, d) => decodePayload(id, payload, d),
    decodeInto: (payload, out) => decodePayloadInto(id, payload, out),
    adderFor: def.adderFor,
  };
}
