/** The tab's libp2p identity: an Ed25519 key, protobuf-marshalled, kept in IndexedDB so a reload is the same peer. */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { KvStore } from './kv-store.ts';

const KEY = 'peer.key';

export interface BrowserIdentity {
  readonly privateKey: PrivateKey;
  readonly peerId: string;
  readonly created: boolean;
}

export async function loadOrCreateBrowserIdentity(store: KvStore): Promise<BrowserIdentity> {
  const stored = await store.get(KEY);
  if (stored) {
    try {
      const privateKey = privateKeyFromProtobuf(stored);
      return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), created: false };
    } catch (e) {
      const why = (e as Error).message;
      throw new Error(`IndexedDB ${KEY}: not a marshalled libp2p private key (${why}); clear the site's data`);
    }
  }
  const privateKey = await generateKeyPair('Ed25519');
  await store.put(KEY, privateKeyToProtobuf(privateKey));
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), created: true };
}
