/** Node-free schemas shared by config files, manifests (daemon and browser) and heartbeats. */
import { multiaddr } from '@multiformats/multiaddr';
import { z } from 'zod';

function isMultiaddr(s: string): boolean {
  try {
    multiaddr(s);
    return s.startsWith('/');
  } catch {
    return false;
  }
}

export const multiaddrText = z.string().refine(isMultiaddr, 'expected a multiaddr such as /ip4/127.0.0.1/tcp/4001');
/** A libp2p peer id as text: base58btc multihash (12D3KooW… for Ed25519, Qm… for RSA). */
export const peerIdText = z
  .string()
  .regex(/^[1-9A-HJ-NP-Za-km-z]{46,128}$/, 'expected a base58 peer id such as 12D3KooW...');
/** Nodes only hear nodes of the same network name (it prefixes every topic). */
export const networkName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 letters, digits, dots, dashes or underscores');

export const admissionSchema = z
  .object({
    /** Only these peers (and the bootstrap nodes) may connect. */
    allowPeers: z.array(peerIdText).optional(),
    /** libp2p private network key file, relative to the file that names it. */
    pskFile: z.string().min(1).optional(),
  })
  .strict()
  .default({});
