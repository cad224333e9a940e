/**
 * Codec registry. A codec turns a Float32Array into a self-describing payload (every parameter
 * the decoder needs travels inside it), so any payload can be decoded knowing only its codec id.
 */
import { decodeFp16Into, encodeFp16 } from './codecs/fp16.ts';
import { decodeInt8Into, encodeInt8 } from './codecs/int8.ts';
import { decodeNoneInto, encodeNone } from './codecs/none.ts';
import { decodeQsgdInto, encodeQsgd } from './codecs/qsgd.ts';
import { decodeRandKInto, encodeRandK } from './codecs/randk.ts';
import { decodeSignInto, encodeSign } from './codecs/sign.ts';
import { decodeTopKInto, encodeTopK } from './codecs/topk.ts';
import { LayeredEncoder } from './codecs/layered.ts';
import { PowerSgdEncoder, checkLayout, type CodecLayout } from './codecs/powersgd.ts';
import { decodeSegmentsInto } from './codecs/segments.ts';
import { CODEC_DEFAULTS, CODEC_IDS, CODEC_NAMES, parseCodecConfig, sparseCount } from './config.ts';
import type { CodecConfig, CodecId, CodecName } from './config.ts';
import { FrameError, asFrameError } from './frame-error.ts';
import { TopKSelector } from './select.ts';

export interface Codec {
  /** Wire id, stable. */
  readonly id: CodecId;
  readonly name: CodecName;
  /** The validated config with defaults filled in. */
  readonly config: CodecConfig;
  /** Short human-readable description, e.g. "topk(1%, fp32)". */
  readonly label: string;
  /** E[decode(encode(x))] = x over the seed. */
  readonly unbiased: boolean;
  /**
   * E‖decode(encode(x)) − x‖² ≤ (1 − δ)‖x‖² for some δ > 0: safe with error feedback and CHOCO.
   * (qsgd is contractive when its variance bound is below 1, i.e. enough levels for its bucket.)
   */
  readonly contractive: boolean;
  /** Payload for x. The seed drives any randomness (same seed, same payload). */
  encode(x: Float32Array, seed: number): Uint8Array;
  /** Dense vector of length d; throws FrameError (and nothing else) on a malformed payload. */
  decode(payload: Uint8Array, d: number): Float32Array;
  /** Like decode, writing every element of out (d = out.length); returns out. */
  decodeInto(payload: Uint8Array, out: Float32Array): Float32Array;
}

type DecodeInto = (payload: Uint8Array, out: Float32Array) => void;

const DECODERS: Record<CodecId, DecodeInto> = {
  [CODEC_IDS.none]: decodeNoneInto,
  [CODEC_IDS.fp16]: decodeFp16Into,
  [CODEC_IDS.int8]: decodeInt8Into,
  [CODEC_IDS.qsgd]: decodeQsgdInto,
  [CODEC_IDS.topk]: decodeTopKInto,
  [CODEC_IDS.randk]: decodeRandKInto,
  [CODEC_IDS.sign]: decodeSignInto,
  [CODEC_IDS.powersgd]: decodeSegmentsInto,
  [CODEC_IDS.layered]: decodeSegmentsInto,
};

export function isCodecId(n: number): n is CodecId {
  return Number.isInteger(n) && n >= 0 && n < CODEC_NAMES.length;
}

export function codecNameOf(id: CodecId): CodecName {
  return CODEC_NAMES[id]!;
}

/** Decode a payload of the given codec into out. Throws only FrameError. */
export function decodePayloadInto(codecId: number, payload: Uint8Array, out: Float32Array): Float32Array {
  if (!isCodecId(codecId)) throw new FrameError('unknown-codec', `codec id ${codecId}`);
  try {
    DECODERS[codecId](payload, out);
  } catch (err) {
    throw asFrameError(err, 'bad-payload');
  }
  return out;
}

export function decodePayload(codecId: number, payload: Uint8Array, d: number): Float32Array {
  if (!Number.isSafeInteger(d) || d < 0 || d > 0xffffffff) {
    throw new FrameError('bad-argument', `vector length ${d} is not a uint32`);
  }
  return decodePayloadInto(codecId, payload, new Float32Array(d));
}

function percent(f: number): string {
  return `${Number((f * 100).toPrecision(3))}%`;
}

/**
 * Build a codec from a config (validated with parseCodecConfig; bad configs throw Error). The
 * layer-aware codecs (powersgd, layered) need the model's layer table and keep state between
 * calls (warm-started factors): one instance per sender.
 */
export function getCodec(cfg: CodecConfig | CodecName, layout?: CodecLayout): Codec {
  const config = parseCodecConfig(cfg);
  const id = CODEC_IDS[config.name];
  let unbiased = false;
  let contractive = true;
  let label: string = config.name;
  let encode: (x: Float32Array, seed: number) => Uint8Array;
  switch (config.name) {
    case 'none':
      unbiased = true;
      encode = (x) => encodeNone(x);
      break;
    case 'fp16':
      encode = (x) => encodeFp16(x);
      break;
    case 'int8': {
      const block = config.blockSize ?? CODEC_DEFAULTS.int8BlockSize;
      label = `int8(block ${block})`;
      encode = (x) => encodeInt8(x, block);
      break;
    }
    case 'sign': {
      const block = config.blockSize ?? CODEC_DEFAULTS.signBlockSize;
      label = `sign(block ${block})`;
      encode = (x) => encodeSign(x, block);
      break;
    }
    case 'qsgd': {
      const { levels } = config;
      const bucket = config.bucketSize ?? CODEC_DEFAULTS.qsgdBucketSize;
      unbiased = true;
      // Variance bound ω = min(n/s², √n/s) per bucket of n (Alistarh et al., Lemma 3.1):
      // E‖C(x) − x‖² ≤ ω‖x‖², so it is contractive in expectation exactly when ω < 1.
      contractive = Math.min(bucket / levels ** 2, Math.sqrt(bucket) / levels) < 1;
      label = `qsgd(s=${levels}, bucket ${bucket})`;
      encode = (x, seed) => encodeQsgd(x, levels, bucket, seed);
      break;
    }
    case 'topk': {
      const size = { fraction: config.fraction, k: config.k };
      const values = config.values ?? 'fp32';
      const selector = new TopKSelector();
      label = `topk(${size.k ?? percent(size.fraction ?? CODEC_DEFAULTS.sparseFraction)}, ${values})`;
      encode = (x, seed) => encodeTopK(x, sparseCount(x.length, size), values, selector, seed);
      break;
    }
    case 'randk': {
      const size = { fraction: config.fraction, k: config.k };
      const rescale = config.rescale ?? true;
      unbiased = rescale;
      contractive = !rescale;
      label = `randk(${size.k ?? percent(size.fraction ?? CODEC_DEFAULTS.sparseFraction)}${rescale ? '' : ', unscaled'})`;
      encode = (x, seed) => encodeRandK(x, sparseCount(x.length, size), rescale, seed);
      break;
    }
    case 'powersgd': {
      const rank = config.rank ?? CODEC_DEFAULTS.powersgdRank;
      const factors = config.factors ?? 'fp16';
      const encoder = new PowerSgdEncoder(checkLayout(layout, 'powersgd'), rank, factors);
      label = `powersgd(rank ${rank}, ${factors})`;
      encode = (x) => encoder.encode(x);
      break;
    }
    case 'layered': {
      const budget = config.budget ?? CODEC_DEFAULTS.layeredBudget;
      const encoder = new LayeredEncoder(checkLayout(layout, 'layered'), budget);
      label = `layered(${percent(budget)} of fp32)`;
      encode = (x, seed) => encoder.encode(x, seed);
      break;
    }
  }
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
  };
}
