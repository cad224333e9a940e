/**
 * libp2p private-network keys (the go-ipfs swarm.key format): three lines,
 * `/key/swarm/psk/1.0.0/`, `/base16/`, then 64 hex digits (a 32-byte key).
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { ConfigError } from '../util/validate.ts';

const PSK_FORMAT = /^\/key\/swarm\/psk\/1\.0\.0\/\r?\n\/base16\/\r?\n([0-9a-fA-F]{64})\s*$/;

/** The PSK file's bytes, as libp2p's connection protector wants them; a malformed file is a one-line ConfigError. */
export function readPskFile(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `${path}: cannot read the pre-shared key file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  const m = PSK_FORMAT.exec(text);
  if (!m)
    throw new ConfigError(
      `${path}: not a libp2p pre-shared key ` +
        '(expected "/key/swarm/psk/1.0.0/", "/base16/" and 64 hex digits on three lines)',
    );
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${m[1]!.toLowerCase()}`);
}

/** Write a fresh random PSK file (mode 0600). */
export function writePskFile(path: string): void {
  writeFileAtomic(path, `/key/swarm/psk/1.0.0/\n/base16/\n${randomBytes(32).toString('hex')}\n`, 0o600);
}
