/**
 * The topology description format (a JSON file, or an object embedded in another config), validated
 * into a TopologySpec. Errors are one line: `<source>: <key path>: expected ..., got ...`.
 */
import { z } from 'zod';
import { ConfigError } from '../util/validate.ts';
import { describeValue } from './errors.ts';

function integer(min: number): z.ZodNumber {
  const expected = `expected an integer >= ${min}`;
  return z.number({ message: expected }).int(expected).min(min, expected);
}

function fraction(interval: '(0, 1]' | '[0, 1]'): z.ZodNumber {
  const expected = `expected a number in ${interval}`;
  const positive = z.number({ message: expected }).lte(1, expected);
  return interval === '(0, 1]' ? positive.gt(0, expected) : positive.gte(0, expected);
}

const nodeCount = integer(1).optional();
const text = z.string({ message: 'expected a string' }).optional();
const flag = z.boolean({ message: 'expected true or false' }).optional();

/** A strict object for one `type` of a family; unknown keys are reported with the allowed ones. */
function variant<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  const allowed = ['type', ...Object.keys(shape)].join(', ');
  return z.object({ type: z.literal(type), ...shape }).strict(`unknown key for type "${type}" (allowed: ${allowed})`);
}

const discriminatorErrors: z.ZodErrorMap = (issue, ctx) => {
  if (issue.code === 'invalid_union_discriminator') {
    return { message: `expected one of ${issue.options.map((t) => JSON.stringify(t)).join(', ')}` };
  }
  if (issue.code === 'invalid_type') return { message: 'expected an object with a "type" key' };
  return { message: ctx.defaultError };
};

export const generatorSpecSchema = z.discriminatedUnion(
  'type',
  [
    variant('ring', { n: nodeCount }),
    variant('torus', { n: nodeCount, rows: integer(1).optional(), cols: integer(1).optional() }),
    variant('full', { n: nodeCount }),
    variant('star', { n: nodeCount, hub: integer(0).optional() }),
    variant('exponential', { n: nodeCount }),
    variant('erdos-renyi', { n: nodeCount, p: fraction('(0, 1]'), connected: flag, maxTries: integer(1).optional() }),
    variant('random-regular', { n: nodeCount, d: integer(0) }),
    variant('barabasi-albert', { n: nodeCount, m: integer(1) }),
    variant('small-world', { n: nodeCount, k: integer(2), beta: fraction('[0, 1]') }),
    variant('dumbbell', { n: nodeCount, bridges: integer(1).optional() }),
  ],
  { errorMap: discriminatorErrors },
);
export type GeneratorSpec = z.infer<typeof generatorSpecSchema>;

export const timeVaryingSpecSchema = z.discriminatedUnion(
  'type',
  [variant('epidemic', { n: nodeCount, s: integer(1) }), variant('one-peer-exponential', { n: nodeCount })],
  { errorMap: discriminatorErrors },
);
export type TimeVaryingSpec = z.infer<typeof timeVaryingSpecSchema>;

const edgePair = z.tuple([integer(0), integer(0)], {
  errorMap: (issue, ctx) => ({
    message:
      issue.code === 'invalid_type' || issue.code === 'too_small' || issue.code === 'too_big'
        ? 'expected a pair [i, j] of node indices'
        : ctx.defaultError,
  }),
});

function fileSchema<S extends z.ZodRawShape>(shape: S) {
  const full = { name: text, description: text, ...shape };
  return z.object(full).strict(`unknown key (allowed: ${Object.keys(full).join(', ')})`);
}

/** A topology has exactly one of these keys; each selects a file shape. */
const fileSchemas = {
  generator: fileSchema({ generator: generatorSpecSchema }),
  edges: fileSchema({ n: nodeCount, edges: z.array(edgePair, { message: 'expected an array of [i, j] pairs' }) }),
  timeVarying: fileSchema({ timeVarying: timeVaryingSpecSchema }),
};
const shapeKeys = Object.keys(fileSchemas) as Array<keyof typeof fileSchemas>;

/** Where a spec came from, so later errors (e.g. a bad n) can name the file and key. */
export interface SpecOrigin {
  /** File name, e.g. "topologies/ring.json" or "scenarios/a.json". */
  source: string;
  /** Key path of the spec inside the source ("" for a topology file, e.g. "topology" when embedded). */
  keyPrefix: string;
}

interface SpecCommon {
  origin: SpecOrigin;
  name?: string | undefined;
  description?: string | undefined;
}
export type GeneratorTopologySpec = SpecCommon & { kind: 'generator'; generator: GeneratorSpec };
export type EdgeListTopologySpec = SpecCommon & {
  kind: 'edges';
  n?: number | undefined;
  edges: Array<[number, number]>;
};
export type TimeVaryingTopologySpec = SpecCommon & { kind: 'time-varying'; timeVarying: TimeVaryingSpec };
/** A reference to a topology file, e.g. `"topology": "topologies/ring.json"` in a scenario. */
export type TopologyFileRef = { kind: 'file'; origin: SpecOrigin; path: string };
export type TopologySpec = GeneratorTopologySpec | EdgeListTopologySpec | TimeVaryingTopologySpec | TopologyFileRef;

/**
 * Validates a topology description: an object (generator / edges / timeVarying) or, when embedded in
 * another config, a string path to a topology file. `keyPrefix` is the key it sits under there.
 */
export function parseTopologySpec(value: unknown, source: string, keyPrefix = ''): TopologySpec {
  const origin: SpecOrigin = { source, keyPrefix };
  if (typeof value === 'string' && value.length > 0) return { kind: 'file', origin, path: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw specError(origin, '', `expected a topology object or a file path, got ${describeValue(value)}`);
  }
  const present = shapeKeys.filter((key) => key in value);
  if (present.length !== 1) {
    const got = present.length === 0 ? 'none of them' : present.join(' and ');
    const expected = shapeKeys.map((key) => `"${key}"`).join(', ');
    throw specError(origin, '', `expected exactly one of ${expected}, got ${got}`);
  }
  const shape = present[0]!;
  const parsed = fileSchemas[shape].safeParse(value);
  if (!parsed.success) throw issueError(origin, parsed.error.issues[0]!, value);
  const data = parsed.data;
  const common = { origin, name: data.name, description: data.description };
  if ('generator' in data) return { ...common, kind: 'generator', generator: data.generator };
  if ('timeVarying' in data) return { ...common, kind: 'time-varying', timeVarying: data.timeVarying };
  return { ...common, kind: 'edges', n: data.n, edges: data.edges };
}

/** A one-line ConfigError naming the source and the full key path. */
export function specError(origin: SpecOrigin, key: string, detail: string): ConfigError {
  const path = joinKey(origin.keyPrefix, key);
  return new ConfigError(path === '' ? `${origin.source}: ${detail}` : `${origin.source}: ${path}: ${detail}`);
}

/** joinKey("topology", "generator.p") → "topology.generator.p"; joinKey("", "edges[2]") → "edges[2]". */
export function joinKey(...parts: string[]): string {
  return parts
    .filter((part) => part !== '')
    .join('.')
    .replace(/\.\[/g, '[');
}

function issueError(origin: SpecOrigin, issue: z.ZodIssue, input: unknown): ConfigError {
  if (issue.code === 'unrecognized_keys') {
    return specError(origin, keyPath([...issue.path, issue.keys[0]!]), issue.message);
  }
  const got = describeValue(valueAt(input, issue.path));
  return specError(origin, keyPath(issue.path), `${issue.message}, got ${got}`);
}

/** ["edges", 3, 0] → "edges[3][0]"; ["generator", "p"] → "generator.p". */
function keyPath(path: ReadonlyArray<string | number>): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

function valueAt(input: unknown, path: ReadonlyArray<string | number>): unknown {
  let value = input;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}
