/**
 * Admission as a manifest states it, on real libp2p hosts on loopback: with a pre-shared key
 * (libp2p private network) a host without the key cannot connect; with an allow-list a peer id
 * not on it is refused in either direction, while listed peers and the bootstrap node connect.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GossipHost, type HostOptions } from '../src/p2p/host.ts';
import { createIdentityFile, type Identity } from '../src/p2p/identity.ts';
import { writePskFile } from '../src/p2p/psk.ts';
import { admissionOf } from '../src/testnet/bootstrap.ts';
import { parseManifest } from '../src/testnet/manifest.ts';

const dir = mkdtempSync(join(tmpdir(), 'gl-admission-'));
const hosts: GossipHost[] = [];
let keys = 0;

after(async () => {
  await Promise.all(hosts.map((h) => h.stop().catch(() => {})));
  rmSync(dir, { recursive: true, force: true });
});

const TASK = {
  model: { type: 'logreg' },
  dataset: { type: 'synthetic', samples: 500, dim: 4, classes: 2 },
  partition: { type: 'iid' },
};

async function identity(): Promise<Identity> {
  return createIdentityFile(join(dir, `k${keys++}.key`));
}

async function host(id: Identity, extra: Partial<HostOptions> = {}): Promise<GossipHost> {
  const h = await GossipHost.create({
    privateKey: id.privateKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    mdns: false,
    dht: false,
    maxMessageBytes: 1 << 20,
    relay: false,
    ...extra,
  });
  hosts.push(h);
  return h;
}

async function connects(from: GossipHost, to: GossipHost): Promise<boolean> {
  try {
    await from.dial(to.addresses()[0]!, AbortSignal.timeout(3000));
  } catch {
    return false;
  }
  // The other side may still refuse right after the handshake: give it a moment to hang up.
  await new Promise((r) => setTimeout(r, 300));
  return from.isConnected(to.peerId) && to.isConnected(from.peerId);
}

test('pre-shared key: a node without the network key cannot connect, one with it can', {
  timeout: 30_000,
}, async () => {
  writePskFile(join(dir, 'swarm.psk'));
  const [b, member, outsider] = [await identity(), await identity(), await identity()];
  const manifest = parseManifest(
    { network: 'psk-net', protocolVersion: 1, task: TASK, shards: 4, admission: { pskFile: 'swarm.psk' } },
    'psk.json',
    dir,
  );
  const bootstrap = await host(b, admissionOf(manifest, b.peerId));
  assert.equal(await connects(await host(outsider), bootstrap), false, 'no key');
  const otherKey = join(dir, 'other.psk');
  writePskFile(otherKey);
  const wrongKey = parseManifest(
    { network: 'psk-net', protocolVersion: 1, task: TASK, shards: 4, admission: { pskFile: 'other.psk' } },
    'other.json',
    dir,
  );
  assert.equal(
    await connects(await host(await identity(), admissionOf(wrongKey, '')), bootstrap),
    false,
    'another key',
  );
  assert.equal(
    await connects(await host(member, admissionOf(manifest, member.peerId)), bootstrap),
    true,
    'the network key',
  );
});

test('allow-list: a peer id not listed is refused both ways; listed peers and the bootstrap node connect', {
  timeout: 30_000,
}, async () => {
  const [b, allowed, stranger] = [await identity(), await identity(), await identity()];
  const strangerHost = await host(stranger);
  const bootstrapAddr = `/ip4/127.0.0.1/tcp/1/p2p/${b.peerId}`;
  const manifest = parseManifest(
    {
      network: 'allow-net',
      protocolVersion: 1,
      task: TASK,
      shards: 4,
      bootstrap: [bootstrapAddr],
      admission: { allowPeers: [allowed.peerId] },
    },
    'allow.json',
  );
  const bootstrap = await host(b, admissionOf(manifest, b.peerId));
  const member = await host(allowed, admissionOf(manifest, allowed.peerId));
  assert.equal(await connects(strangerHost, bootstrap), false, 'inbound from a stranger');
  assert.equal(await connects(member, strangerHost), false, 'outbound to a stranger');
  // The bootstrap node is not on the list: it is allowed implicitly.
  assert.equal(await connects(member, bootstrap), true, 'a listed member reaches the bootstrap node');
});
