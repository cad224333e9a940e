import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { canonicalJson } from './canonical-text.ts';

export { canonicalJson };

/**
 * First 16 hex digits (64 bits) of SHA-256 over a value's canonical JSON. Pure TypeScript SHA-256
 * (@noble/hashes, already under libp2p's crypto): the same hash, synchronously, in Node and in a tab.
 */
export function contentHash(v: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(v)))).slice(0, 16);
}
