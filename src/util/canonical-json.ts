import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-text.ts';

export { canonicalJson };

/** First 16 hex digits (64 bits) of SHA-256 over a value's canonical JSON. */
export function contentHash(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 16);
}
