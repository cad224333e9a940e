/**
 * Command-line options for the scripts: node's parseArgs plus `--help` (usage generated from the
 * option descriptions, exit 0) and one-line errors (exit 2) for unknown options or bad numbers.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

export interface ScriptOption {
  readonly type: 'string' | 'boolean';
  readonly default?: string | boolean;
  readonly multiple?: boolean;
  readonly description: string;
  /** Shown in the usage line after the option name, e.g. "N" or "LIST". */
  readonly value?: string;
}

export interface ScriptSpec<O extends Record<string, ScriptOption>> {
  /** The script file, usually import.meta.url. */
  readonly script: string;
  /** What the script does and prints, a few lines. */
  readonly summary: string;
  readonly options: O;
  readonly positionals?: string;
}

type Values<O extends Record<string, ScriptOption>> = {
  [K in keyof O]: O[K]['type'] extends 'boolean'
    ? boolean
    : O[K]['multiple'] extends true
      ? string[]
      : O[K]['default'] extends string
        ? string
        : string | undefined;
};

function usage(spec: ScriptSpec<Record<string, ScriptOption>>): string {
  const name = `scripts/${basename(new URL(spec.script).pathname)}`;
  const rows = Object.entries(spec.options).map(([k, o]) => {
    const flag = o.type === 'boolean' ? `--${k}` : `--${k} ${o.value ?? 'VALUE'}`;
    const def = o.default === undefined || o.default === false ? '' : ` (default: ${String(o.default)})`;
    return [flag, `${o.description}${def}`] as const;
  });
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([f]) => f.length));
  return [
    `Usage: node_modules/.bin/node ${name} [options]${spec.positionals ? ` ${spec.positionals}` : ''}`,
    '',
    spec.summary.trim(),
    '',
    'Options:',
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`),
    '',
  ].join('\n');
}

export function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(2);
}

/** Parse process.argv for a script; prints usage and exits on --help. */
export function scriptArgs<O extends Record<string, ScriptOption>>(
  spec: ScriptSpec<O>,
): { values: Values<O>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean; multiple?: boolean }> = {
    help: { type: 'boolean', default: false },
  };
  for (const [k, o] of Object.entries(spec.options)) {
    options[k] = { type: o.type };
    if (o.default !== undefined) options[k].default = o.default;
    if (o.multiple) options[k].multiple = true;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      options: { ...options, help: { type: 'boolean', short: 'h', default: false } },
      allowPositionals: spec.positionals !== undefined,
    });
  } catch (e) {
    fail(`${(e as Error).message.split('\n')[0]} (see --help)`);
  }
  if (parsed.values.help) {
    process.stdout.write(usage(spec));
    process.exit(0);
  }
  return { values: parsed.values as Values<O>, positionals: parsed.positionals };
}

/** A numeric option: an integer (or any finite number with `integer: false`) of at least `min`. */
export function numberOption(
  name: string,
  text: string | undefined,
  o: { min?: number; integer?: boolean } = {},
): number {
  const n = Number(text);
  const integer = o.integer ?? true;
  if (
    text === undefined ||
    text.trim() === '' ||
    !Number.isFinite(n) ||
    (integer && !Number.isInteger(n)) ||
    n < (o.min ?? -Infinity)
  )
    fail(
      `--${name} must be ${integer ? 'an integer' : 'a number'}` +
        `${o.min !== undefined ? ` ≥ ${o.min}` : ''}, got ${text}`,
    );
  return n;
}
