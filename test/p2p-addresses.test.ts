import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultListen, isLoopbackAddr, onAllInterfaces, routableOnly } from '../src/p2p/addresses.ts';
import { joinConfig } from '../src/testnet/join-config.ts';
import { parseManifest } from '../src/testnet/manifest.ts';

const PEER = '12D3KooWRDFiV58BMLiWko2XjpqhwzP1N7cX8755H8JfwEcd1r1T';

test('loopback addresses and the default listen address', () => {
  for (const a of ['/ip4/127.0.0.1/tcp/1', '/ip4/127.1.2.3/tcp/1', '/ip6/::1/tcp/1', '/dns4/localhost/tcp/1']) {
    assert.ok(isLoopbackAddr(a), a);
  }
  for (const a of ['/ip4/10.77.0.1/tcp/1', '/p2p-circuit', '/ip4/0.0.0.0/tcp/0']) assert.ok(!isLoopbackAddr(a), a);
  assert.deepEqual(defaultListen([]), ['/ip4/127.0.0.1/tcp/0']);
  assert.deepEqual(defaultListen([`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`]), ['/ip4/127.0.0.1/tcp/0']);
  const mixed = [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`, `/ip4/10.77.0.1/tcp/4001/p2p/${PEER}`];
  assert.deepEqual(defaultListen(mixed), ['/ip4/0.0.0.0/tcp/0']);
  assert.deepEqual(defaultListen([`/dns4/boot.example.org/tcp/4001/p2p/${PEER}`]), ['/ip4/0.0.0.0/tcp/0']);
  assert.equal(onAllInterfaces('/ip4/203.0.113.7/tcp/4001'), '/ip4/0.0.0.0/tcp/4001');
  assert.equal(onAllInterfaces('/ip6/2001:db8::1/tcp/4001'), '/ip6/::/tcp/4001');
});

test('a node listening beyond loopback announces only routable addresses', () => {
  const seen = [`/ip4/127.0.0.1/tcp/5/p2p/${PEER}`, `/ip4/10.77.0.2/tcp/5/p2p/${PEER}`];
  assert.deepEqual(routableOnly(['/ip4/0.0.0.0/tcp/0'], seen), [seen[1]]);
  assert.deepEqual(routableOnly(['/ip4/127.0.0.1/tcp/0'], seen), seen, 'a loopback node announces as is');
  assert.deepEqual(routableOnly(['/ip4/0.0.0.0/tcp/0'], [seen[0]!]), [seen[0]], 'never left with nothing');
});

test('a joiner of a manifest with a bootstrap node on another host listens on all interfaces', () => {
  const task = {
    model: { type: 'logreg' },
    dataset: { type: 'synthetic', samples: 500, dim: 4, classes: 2 },
    partition: { type: 'iid' },
  };
  const opts = { dataDir: '/tmp/x', peerId: PEER, relayOnly: false, http: { host: '127.0.0.1', port: 0 }, rounds: 0 };
  const manifest = (boot: string) =>
    parseManifest({ network: 'n', protocolVersion: 1, task, shards: 4, bootstrap: [boot] }, 'm');
  const remote = manifest(`/ip4/10.77.0.1/tcp/4001/p2p/${PEER}`);
  const local = manifest(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`);
  assert.deepEqual(joinConfig(remote, { ...opts, logLevel: 'info' }).listen, [
    '/ip4/0.0.0.0/tcp/0',
    '/ip4/0.0.0.0/tcp/0/ws',
  ]);
  assert.deepEqual(joinConfig(local, { ...opts, logLevel: 'info' }).listen, [
    '/ip4/127.0.0.1/tcp/0',
    '/ip4/127.0.0.1/tcp/0/ws',
  ]);
  const explicit = ['/ip4/10.77.0.9/tcp/7'];
  assert.deepEqual(joinConfig(remote, { ...opts, logLevel: 'info', listen: explicit }).listen, explicit);
  assert.deepEqual(joinConfig(remote, { ...opts, logLevel: 'info', relayOnly: true }).listen, ['/p2p-circuit']);
});
