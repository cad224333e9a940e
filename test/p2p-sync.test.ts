import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '@libp2p/crypto/keys';
import * as lp from 'it-length-prefixed';
import { pipe } from 'it-pipe';
import type { SyncSnapshot } from '../src/core/interfaces.ts';
import { GossipHost, type ByteStream } from '../src/p2p/host.ts';
import {
  SYNC_PROTOCOL,
  SyncError,
  readSnapshot,
  requestSnapshot,
  serveSnapshots,
  snapshotChunks,
} from '../src/p2p/sync-protocol.ts';

const SPEC = '0123456789abcdef';

function snapshot(d: number, round = 7): SyncSnapshot {
  const params = new Float32Array(d);
  const publicCopy = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    params[i] = Math.sin(i);
    publicCopy[i] = Math.cos(i);
  }
  return { specHash: SPEC, round, seq: 42, params, publicCopy };
}

async function* chunks(list: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* list;
}

function header(fields: Record<string, unknown>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, specHash: SPEC, round: 1, seq: 1, paramCount: 4, ...fields }));
}

const expect4 = { specHash: SPEC, paramCount: 4 };
const f32 = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

test('readSnapshot rejects malformed streams with a reason', async () => {
  const cases: Array<[string, Uint8Array[], string]> = [
    ['empty stream', [], 'truncated'],
    ['header not JSON', [new TextEncoder().encode('{nope')], 'bad-header'],
    ['wrong version', [header({ v: 2 })], 'bad-header'],
    ['negative round', [header({ round: -1 })], 'bad-header'],
    ['other model', [header({ specHash: 'ffffffffffffffff' })], 'spec-hash'],
    ['other size', [header({ paramCount: 5 })], 'param-count'],
    ['short body', [header({}), f32(1, 2, 3, 4)], 'truncated'],
    ['long body', [header({}), f32(1, 2, 3, 4, 5, 6, 7, 8, 9)], 'too-long'],
    ['NaN', [header({}), f32(1, 2, NaN, 4, 5, 6, 7, 8)], 'non-finite'],
    ['Infinity in the public copy', [header({}), f32(1, 2, 3, 4), f32(5, 6, 7, Infinity)], 'non-finite'],
  ];
  for (const [name, list, reason] of cases)
    await assert.rejects(
      readSnapshot(chunks(list), expect4),
      (e: Error) => e instanceof SyncError && e.reason === reason,
      name,
    );
  const ok = await readSnapshot(chunks([header({}), f32(1, 2, 3), f32(4, 5, 6, 7, 8)]), expect4);
  assert.deepEqual([...ok.params], [1, 2, 3, 4]);
  assert.deepEqual([...ok.publicCopy], [5, 6, 7, 8]);
});

let a: GossipHost;
let b: GossipHost;

before(async () => {
  const make = async (): Promise<GossipHost> =>
    GossipHost.create({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [],
      mdns: false,
      dht: false,
      maxMessageBytes: 1 << 20,
      relay: false,
    });
  [a, b] = await Promise.all([make(), make()]);
  await b.dial(a.addresses()[0]!);
});

after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

test('a model larger than gossipsub’s 4 MiB cap round-trips between two hosts', { timeout: 30_000 }, async () => {
  const d = 1_500_000; // 6 MB per vector, 12 MB in all
  const snap = snapshot(d);
  // Serving errors are reported, not thrown: the requester below aborts one stream on purpose.
  const serveErrors: Error[] = [];
  await serveSnapshots(
    a,
    () => snap,
    (_p, e) => serveErrors.push(e),
  );
  const got = await requestSnapshot(b, a.peerId, { specHash: SPEC, paramCount: d }, 20_000);
  assert.equal(got.round, 7);
  assert.equal(got.seq, 42);
  assert.deepEqual(
    Buffer.from(got.params.buffer, got.params.byteOffset, got.params.byteLength),
    Buffer.from(snap.params.buffer),
  );
  assert.deepEqual(
    Buffer.from(got.publicCopy.buffer, got.publicCopy.byteOffset, got.publicCopy.byteLength),
    Buffer.from(snap.publicCopy.buffer),
  );
  // The requester checks the model it expects: the same stream for another model is refused.
  assert.equal(serveErrors.length, 0);
  await assert.rejects(
    requestSnapshot(b, a.peerId, { specHash: 'ffffffffffffffff', paramCount: d }, 20_000),
    (e: Error) => e instanceof SyncError && e.reason === 'spec-hash',
  );
});

test('a peer serving a malformed stream, or nothing, is rejected (bounded by the timeout)', {
  timeout: 30_000,
}, async () => {
  const bad = snapshot(4);
  bad.params[2] = NaN;
  await b.handle(SYNC_PROTOCOL, (stream) => {
    // The requester aborts the stream once it sees the NaN: the write may fail, as it should.
    pipe(
      snapshotChunks(bad),
      (src) => lp.encode(src),
      (src) => stream.sink(src),
    ).catch(() => {});
  });
  await assert.rejects(
    requestSnapshot(a, b.peerId, expect4, 10_000),
    (e: Error) => e instanceof SyncError && e.reason === 'non-finite',
  );
  // A server that sends the header and then stalls: the requester gives up at its timeout.
  await b.unhandle(SYNC_PROTOCOL);
  const stalled: ByteStream[] = [];
  await b.handle(SYNC_PROTOCOL, (stream) => {
    stalled.push(stream);
    const header = snapshotChunks(snapshot(4)).next().value as Uint8Array;
    const never = new Promise<Uint8Array>(() => {});
    pipe(
      (async function* () {
        yield header;
        yield await never;
      })(),
      (src) => lp.encode(src),
      (src) => stream.sink(src),
    ).catch(() => {});
  });
  const t0 = Date.now();
  await assert.rejects(
    requestSnapshot(a, b.peerId, expect4, 1000),
    (e: Error) => e instanceof SyncError && e.reason === 'timeout',
  );
  assert.ok(Date.now() - t0 < 5000, `gave up after ${Date.now() - t0} ms`);
  for (const s of stalled) s.abort(new Error('test over'));
});
