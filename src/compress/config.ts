/** Codec names, wire ids and configuration (with a dependency-free parser for config files). */
import { QSGD_MAX_LEVELS } from './codecs/qsgd.ts';

export type CodecName = 'none' | 'fp16' | 'int8' | 'qsgd' | 'topk' | 'randk' | 'sign' | 'powersgd' | 'layered';

/** Wire ids. Stable forever: they go into every frame. */
export const CODEC_IDS = { none: 0, fp16: 1, int8: 2, qsgd: 3, topk: 4, randk: 5, sign: 6, powersgd: 7, layered: 8 } as const;
export type CodecId = (typeof CODEC_IDS)[CodecName];
export const CODEC_NAMES: readonly CodecName[] = ['none', 'fp16', 'int8', 'qsgd', 'topk', 'randk', 'sign', 'powersgd', 'layered'];

export type CodecConfig =
  | { name: 'none' }
  | { name: 'fp16' }
  | { name: 'int8'; blockSize?: number }
  | { name: 'qsgd'; levels: number; bucketSize?: number }
  | { name: 'topk'; fraction?: number; k?: number; values?: 'fp16' | 'fp32' }
  | { name: 'randk'; fraction?: number; k?: number; rescale?: boolean }
  | { name: 'sign'; blockSize?: number }
  /** Rank-r factors per weight matrix (fp16 or fp32 factors), dense fp16 biases. Needs the layout. */
  | { name: 'powersgd'; rank?: number; factors?: 'fp16' | 'fp32' }
  /** Per-layer choice of codec minimising the error within `budget` × the fp32 size. Needs the layout. */
  | { name: 'layered'; budget?: number };

export const CODEC_DEFAULTS = {
  int8BlockSize: 256,
  qsgdBucketSize: 512,
  signBlockSize: 256,
  sparseFraction: 0.01,
  powersgdRank: 4,
  layeredBudget: 0.04,
} as const;

const MAX_U32 = 0xffffffff;

const ALLOWED_KEYS: Record<CodecName, readonly string[]> = {
  none: ['name'],
  fp16: ['name'],
  int8: ['name', 'blockSize'],
  qsgd: ['name', 'levels', 'bucketSize'],
  topk: ['name', 'fraction', 'k', 'values'],
  randk: ['name', 'fraction', 'k', 'rescale'],
  sign: ['name', 'blockSize'],
  powersgd: ['name', 'rank', 'factors'],
  layered: ['name', 'budget'],
};

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}

function fail(key: string, expected: string, got: unknown): never {
  throw new Error(`codec config: "${key}" must be ${expected}, got ${describe(got)}`);
}

function optInt(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(key, `an integer from ${min} to ${max}`, v);
  }
  return v;
}

function optFraction(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) fail(key, 'a number in (0, 1]', v);
  return v;
}

/** Exactly one of fraction / k; neither means the default fraction. */
function sparseSize(o: Record<string, unknown>): { fraction: number } | { k: number } {
  const fraction = optFraction(o, 'fraction');
  const k = optInt(o, 'k', 1, MAX_U32);
  if (fraction !== undefined && k !== undefined) fail('k', 'absent when "fraction" is given (use one of them)', k);
  if (k !== undefined) return { k };
  return { fraction: fraction ?? CODEC_DEFAULTS.sparseFraction };
}

/**
 * Validate an untrusted value (e.g. from a JSON config file) as a CodecConfig and fill in
 * defaults. Throws an Error naming the offending key and what was expected.
 */
export function parseCodecConfig(obj: unknown): CodecConfig {
  if (typeof obj === 'string') obj = { name: obj };
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    fail('codec', 'an object like {"name": "topk", "fraction": 0.01} or a codec name', obj);
  }
  const o = obj as Record<string, unknown>;
  const name = o.name;
  if (typeof name !== 'string' || !(CODEC_NAMES as readonly string[]).includes(name)) {
    fail('name', `one of ${CODEC_NAMES.map((n) => `"${n}"`).join(', ')}`, name);
  }
  const codec = name as CodecName;
  for (const key of Object.keys(o)) {
    if (!ALLOWED_KEYS[codec].includes(key)) {
      throw new Error(
        `codec config: unknown key "${key}" for codec "${codec}" (allowed: ${ALLOWED_KEYS[codec].join(', ')})`,
      );
    }
  }
  switch (codec) {
    case 'none':
    case 'fp16':
      return { name: codec };
    case 'int8':
      return { name: 'int8', blockSize: optInt(o, 'blockSize', 1, MAX_U32) ?? CODEC_DEFAULTS.int8BlockSize };
    case 'sign':
      return { name: 'sign', blockSize: optInt(o, 'blockSize', 1, MAX_U32) ?? CODEC_DEFAULTS.signBlockSize };
    case 'qsgd': {
      const levels = optInt(o, 'levels', 1, QSGD_MAX_LEVELS);
      if (levels === undefined) fail('levels', `an integer from 1 to ${QSGD_MAX_LEVELS}`, undefined);
      const bucketSize = optInt(o, 'bucketSize', 1, MAX_U32) ?? CODEC_DEFAULTS.qsgdBucketSize;
      return { name: 'qsgd', levels, bucketSize };
    }
    case 'topk': {
      const v = o.values;
      if (v !== undefined && v !== 'fp16' && v !== 'fp32') fail('values', '"fp16" or "fp32"', v);
      return { name: 'topk', ...sparseSize(o), values: v ?? 'fp32' };
    }
    case 'powersgd': {
      const f = o.factors;
      if (f !== undefined && f !== 'fp16' && f !== 'fp32') fail('factors', '"fp16" or "fp32"', f);
      return { name: 'powersgd', rank: optInt(o, 'rank', 1, 255) ?? CODEC_DEFAULTS.powersgdRank, factors: f ?? 'fp16' };
    }
    case 'layered':
      return { name: 'layered', budget: optFraction(o, 'budget') ?? CODEC_DEFAULTS.layeredBudget };
    case 'randk': {
      const r = o.rescale;
      if (r !== undefined && typeof r !== 'boolean') fail('rescale', 'true or false', r);
      return { name: 'randk', ...sparseSize(o), rescale: r ?? true };
    }
  }
}

/** Number of entries a sparse codec keeps for a vector of length d. */
export function sparseCount(d: number, size: { fraction?: number; k?: number }): number {
  if (d === 0) return 0;
  if (size.k !== undefined) return Math.min(d, size.k);
  return Math.min(d, Math.max(1, Math.round((size.fraction ?? CODEC_DEFAULTS.sparseFraction) * d)));
}
