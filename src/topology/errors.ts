import { ConfigError } from '../util/validate.ts';

/** A topology parameter that is out of range; `key` names the parameter so loaders can point at it. */
export class TopologyParamError extends ConfigError {
  readonly key: string;
  /** The message without the key, e.g. "expected an even integer, got 3". */
  readonly detail: string;

  constructor(key: string, detail: string) {
    super(`${key}: ${detail}`);
    this.name = 'TopologyParamError';
    this.key = key;
    this.detail = detail;
  }
}

export function requireParam(ok: boolean, key: string, expected: string, got: unknown): asserts ok {
  if (!ok) throw new TopologyParamError(key, `expected ${expected}, got ${describeValue(got)}`);
}

/** Short one-line rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
