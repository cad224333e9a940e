/** Codec names, wire ids, config types and validation, all derived from the registry (codecs/index.ts). */
import { z } from 'zod';
import { parseValue } from '../util/validate.ts';
import { CODECS } from './codecs/index.ts';

type Definition = (typeof CODECS)[number];

export type CodecName = Definition['name'];
export type CodecId = Definition['id'];

type InputOf<D> = D extends { readonly options: infer S extends z.ZodTypeAny } ? z.input<S> : never;

/** A codec config as written in a file: `name` and that codec's options (defaults may be left out). */
export type CodecConfig = InputOf<Definition>;

/** Wire ids by name. */
export const CODEC_IDS = Object.fromEntries(CODECS.map((c) => [c.name, c.id])) as {
  readonly [D in Definition as D['name']]: D['id'];
};
export const CODEC_NAMES: readonly CodecName[] = CODECS.map((c) => c.name);

CODECS.forEach((c, i) => {
  if (!(Number.isInteger(c.id) && c.id >= 0 && c.id <= 0xff))
    throw new Error(`codec ${c.name}: wire id ${c.id} is not a byte`);
  const clash = CODECS.findIndex((o) => o.name === c.name || o.id === c.id);
  if (clash !== i)
    throw new Error(`codec ${c.name} (wire id ${c.id}) repeats the name or id of ${CODECS[clash]!.name}`);
});

const byName = new Map<string, Definition>(CODECS.map((c) => [c.name, c]));
const nameList = CODEC_NAMES.map((n) => `"${n}"`).join(', ');

/** The definition of a codec by name (undefined for an unknown name). */
export function codecDefinition(name: string): Definition | undefined {
  return byName.get(name);
}

/**
 * A codec config: an object {name, ...options} or just a name; validated by that codec's option
 * schema, with its defaults filled in. Issues name the key (`name`, `fraction`, ...).
 */
export const codecConfigSchema: z.ZodType<CodecConfig, z.ZodTypeDef, unknown> = z.unknown().transform((raw, ctx) => {
  const value = typeof raw === 'string' ? { name: raw } : raw;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an object like {"name": "topk", "fraction": 0.01} or a codec name',
    });
    return z.NEVER;
  }
  const name = (value as { name?: unknown }).name;
  const def = typeof name === 'string' ? byName.get(name) : undefined;
  if (!def) {
    ctx.addIssue({
      code: 'custom',
      path: typeof raw === 'string' ? [] : ['name'],
      message: `must be one of ${nameList}`,
    });
    return z.NEVER;
  }
  const parsed = def.options.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue(issue);
    return z.NEVER;
  }
  return parsed.data as CodecConfig;
});

/** Validate an untrusted codec config and fill in defaults; a ConfigError names the key ("codec.fraction: ..."). */
export function parseCodecConfig(input: unknown): CodecConfig {
  return parseValue(codecConfigSchema, input, 'codec');
}
