/**
 * The node's libp2p identity: an Ed25519 private key, protobuf-marshalled, in a file only its
 * owner can read. Created on first start, reused on every start after, so the peer id is stable.
 */
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { writeFileAtomic } from '../util/atomic-write.ts';

export interface Identity {
  readonly privateKey: PrivateKey;
  readonly peerId: string;
}

/** A key file that exists but cannot be used: the message says which file and why. */
export class IdentityError extends Error {
  override name = 'IdentityError';
}

/** A protobuf-marshalled key is a few dozen bytes (Ed25519) to a few KiB (RSA). */
const MAX_KEY_FILE_BYTES = 16 * 1024;

function readKeyFile(path: string): Identity {
  const st = statSync(path);
  if (!st.isFile()) throw new IdentityError(`${path}: key file is not a regular file`);
  if ((st.mode & 0o077) !== 0) {
    throw new IdentityError(
      `${path}: key file is readable by others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`,
    );
  }
  if (st.size === 0 || st.size > MAX_KEY_FILE_BYTES)
    throw new IdentityError(`${path}: key file has ${st.size} bytes, not a marshalled private key`);
  let privateKey: PrivateKey;
  try {
    privateKey = privateKeyFromProtobuf(readFileSync(path));
  } catch (e) {
    throw new IdentityError(`${path}: not a protobuf-marshalled libp2p private key (${(e as Error).message})`);
  }
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString() };
}

/** Write a fresh Ed25519 key to `path` (mode 0600) and return it. Refuses to overwrite. */
export async function createIdentityFile(path: string): Promise<Identity> {
  if (existsSync(path)) throw new IdentityError(`${path}: key file already exists`);
  const privateKey = await generateKeyPair('Ed25519');
  writeFileAtomic(path, privateKeyToProtobuf(privateKey), 0o600);
  // The umask may have narrowed the mode further, never widened it; make it exactly 0600.
  chmodSync(path, 0o600);
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString() };
}

/** The identity in `path`, creating the file on first use. */
export async function loadOrCreateIdentity(path: string): Promise<Identity & { created: boolean }> {
  if (existsSync(path)) return { ...readKeyFile(path), created: false };
  return { ...(await createIdentityFile(path)), created: true };
}
