/**
 * What a codec file exports: one definition (name, wire id, option schema, decoder, factory). The
 * registry (codecs/index.ts) lists them; names, ids, config types and validation derive from that list.
 */
import { z } from 'zod';
import type { CodecLayout } from './codecs/powersgd.ts';

/** What a factory builds from a validated config; getCodec adds the id, name, config and decoders. */
export interface CodecParts {
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
  readonly encode: (x: Float32Array, seed: number) => Uint8Array;
}

/** A config object for codec N: what a user may write (input) and what validation returns (output). */
type ConfigSchema<N extends string> = z.ZodType<{ name: N }, z.ZodTypeDef, { name: N }>;

export interface CodecDefinition<
  N extends string = string,
  I extends number = number,
  S extends ConfigSchema<N> = ConfigSchema<N>,
> {
  readonly name: N;
  /** Wire id. Stable forever: it goes into every frame. */
  readonly id: I;
  /** Validates a config object (its `name` included) and fills in the defaults. */
  readonly options: S;
  /** Writes every element of out (d = out.length); throws FrameError on a malformed payload. */
  readonly decodeInto: (payload: Uint8Array, out: Float32Array) => void;
  /**
   * Optional: the checks of decodeInto for d values now (FrameError), and a function that adds what
   * decodeInto would write to a vector of length d (the same float32 sums, one pass): CHOCO then needs
   * no dense buffer, and a malformed payload never touches the copy.
   */
  readonly adderFor?: (payload: Uint8Array, d: number) => (hat: Float32Array) => void;
  /**
   * Builds the encoder for a validated config. The layer-aware codecs (powersgd, layered) need the
   * model's layer table and keep state between calls: one instance per sender.
   */
  readonly create: (config: z.output<S>, layout?: CodecLayout) => CodecParts;
}

/** Identity with inference: lets a codec file write its definition with the config types checked. */
export function defineCodec<N extends string, I extends number, S extends ConfigSchema<N>>(
  def: CodecDefinition<N, I, S>,
): CodecDefinition<N, I, S> {
  return def;
}

export const MAX_U32 = 0xffffffff;

/** A strict config object {name, ...shape}; an unknown key is reported with the keys this codec allows. */
export function codecOptions<N extends string, T extends z.ZodRawShape>(name: N, shape: T) {
  const allowed = ['name', ...Object.keys(shape)].join(', ');
  return z
    .object(
      { name: z.literal(name), ...shape },
      {
        errorMap: (issue, ctx) =>
          issue.code === 'unrecognized_keys'
            ? { message: `unknown key "${issue.keys.join('", "')}" for codec "${name}" (allowed: ${allowed})` }
            : { message: ctx.defaultError },
      },
    )
    .strict();
}

/** An integer in [min, max]; every failure (missing, wrong type, out of range) says so. */
export function intIn(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z.number({ message }).int(message).min(min, message).max(max, message);
}

/** A number in (0, 1]. */
export function fraction() {
  const message = 'must be a number in (0, 1]';
  return z.number({ message }).gt(0, message).lte(1, message);
}

/** 0.05 as "5%" (three significant digits), for labels. */
export function percent(f: number): string {
  return `${Number((f * 100).toPrecision(3))}%`;
}

/** One of a few string values. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { message: `must be ${values.map((v) => `"${v}"`).join(' or ')}` });
}
