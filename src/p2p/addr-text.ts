/** Schemas for multiaddrs and peer ids as text: shared by config files, manifests and heartbeats. */
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
export const peerIdText = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{46,128}$/, 'expected a base58 peer id such as 12D3KooW...');
