import type { z } from 'zod';

/** Thrown for a bad user-supplied value; the message is one line naming the key and what is expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/**
 * Parse with a zod schema; on failure throw a ConfigError "source: key.path: message, got value".
 * `at`: the key path of `input` inside its file (e.g. "task."), so the message names the full path.
 */
export function parseWith<S extends z.ZodTypeAny>(schema: S, input: unknown, source: string, at = ''): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = issue.path.length ? at + issue.path.join('.') : at ? at.slice(0, -1) : '(root)';
  const got = issue.code === 'unrecognized_keys' ? '' : `, got ${describeValue(valueAt(input, issue.path))}`;
  throw new ConfigError(`${source}: ${key}: ${issue.message}${got}`);
}

/** Parse a value found at `key` of a config; on failure throw a ConfigError "key.path: message, got value". */
export function parseValue<S extends z.ZodTypeAny>(schema: S, input: unknown, key: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const got = issue.code === 'unrecognized_keys' ? '' : `, got ${describeValue(valueAt(input, issue.path))}`;
  throw new ConfigError(`${[key, ...issue.path].join('.')}: ${issue.message}${got}`);
}

/**
 * Refuse a file in an old layout: the first key of `moves` (key → its new path) present in `input`
 * throws "source: <at><key>: moved to <new path>".
 */
export function refuseMovedKeys(
  input: unknown,
  moves: Readonly<Record<string, string>>,
  source: string,
  at = '',
): void {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return;
  for (const [key, to] of Object.entries(moves))
    if (Object.hasOwn(input, key)) throw new ConfigError(`${source}: ${at}${key}: moved to ${to}`);
}
