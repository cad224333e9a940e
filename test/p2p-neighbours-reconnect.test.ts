/**
 * gossipsub drops a peer whose RPC is longer than its inbound limit but leaves the connection open:
 * without help the two stay connected and exchange nothing. Two real hosts on loopback: the fault
 * is provoked with an oversized message, and the neighbour loop must reconnect so updates flow again.
 * With relaying on, gossipsub's mesh carries messages across hops and an RPC may batch frames.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { GossipHost } from '../src/p2p/host.ts';
import { Neighbours } from '../src/p2p/neighbours.ts';

const LIMIT = 64 * 1024;
const hosts: GossipHost[] = [];
const loops: Neighbours[] = [];

after(async () => {
  for (const n of loops) n.stop();
  await Promise.all(hosts.map((h) => h.stop()));
});

async function host(relay = false): Promise<GossipHost> {
  const h = await GossipHost.create({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    mdns: false,
    dht: false,
    maxMessageBytes: LIMIT,
    relay,
  });
  hosts.push(h);
  return h;
}

async function until<T>(what: string, probe: () => T | null | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Publish small messages from one host until the other has received `count` more of them. */
async function flows(from: GossipHost, topic: string, inbox: string[], label: string): Promise<void> {
  const before = inbox.length;
  for (let i = 0; i < 50 && inbox.length < before + 3; i++) {
    await from.publish(topic, new TextEncoder().encode(`${label} ${i}`));
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(inbox.length >= before + 3, `${label}: ${inbox.length - before} messages arrived`);
}

test('a neighbour gossipsub dropped on an oversized RPC is reconnected, and messages flow again', async () => {
  const [a, b] = [await host(), await host()];
  await a.addAddress(b.peerId, b.addresses()[0]!);
  await b.addAddress(a.peerId, a.addresses()[0]!);
  const reconnected: string[] = [];
  for (const [self, other] of [
    [a, b],
    [b, a],
  ] as const) {
    const n = new Neighbours(self, {
      peers: [other.peerId],
      maxNeighbours: 4,
      checkEveryMs: 200,
      maxBackoffMs: 1000,
      onReconnect: (p) => reconnected.push(`${self === a ? 'a' : 'b'} → ${p === a.peerId ? 'a' : 'b'}`),
    });
    loops.push(n);
  }
  const got = { a: [] as string[], b: [] as string[] };
  a.onMessage((m) => got.a.push(new TextDecoder().decode(m.data)));
  b.onMessage((m) => got.b.push(new TextDecoder().decode(m.data)));
  a.subscribe('from-b');
  b.subscribe('from-a');
  for (const n of loops) n.start();
  await until(
    'each host subscribed to the other',
    () => a.subscribers('from-a').length && b.subscribers('from-b').length,
  );
  await flows(b, 'from-b', got.a, 'b to a');

  // One RPC over a's inbound limit: a's gossipsub drops b, the connection stays.
  await b.publish('from-b', new Uint8Array(LIMIT + 1024));
  await until('a to drop b in gossipsub while connected', () => a.isConnected(b.peerId) && !a.pubsubTracks(b.peerId));
  await until('a to reconnect b', () => reconnected.includes('a → b'));
  await until('gossipsub to track b again', () => a.isConnected(b.peerId) && a.pubsubTracks(b.peerId));
  await until(
    'each host subscribed to the other again',
    () => a.subscribers('from-a').length && b.subscribers('from-b').length,
  );
  await flows(b, 'from-b', got.a, 'b to a after the reconnect');
  await flows(a, 'from-a', got.b, 'a to b after the reconnect');
  assert.ok(
    got.a.every((m) => m.length < 100),
    'the oversized message was never delivered',
  );
});

test('with relaying, a message reaches a subscriber two hops away; an RPC may hold more than one frame', async () => {
  const [a, b, c] = [await host(true), await host(true), await host(true)];
  await b.dial(a.addresses()[0]!);
  await c.dial(b.addresses()[0]!);
  const got: number[] = [];
  c.onMessage((m) => got.push(m.data.length));
  for (const h of [a, b, c]) h.subscribe('relayed');
  await until('b to see both subscriptions', () => b.subscribers('relayed').length === 2);
  assert.ok(!c.isConnected(a.peerId), 'a and c share no connection');
  // Larger than one frame's limit, within what an RPC may carry when relaying: delivered through b.
  const sizes = [100, LIMIT + 1024];
  for (let i = 0; i < 40 && got.length < sizes.length; i++) {
    if (i % 10 === 0) for (const n of sizes) await a.publish('relayed', new Uint8Array(n).fill(i + 1));
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(
    sizes.every((n) => got.includes(n)),
    `c received messages of ${got.join(', ')} bytes`,
  );
  assert.ok(b.pubsubTracks(a.peerId) && c.pubsubTracks(b.peerId));
});
