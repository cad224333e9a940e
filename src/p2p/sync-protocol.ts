/**
 * `/gossiplearn/sync/1.0.0`: a peer's full model state over a libp2p stream, for late joiners and
 * for CHOCO resyncs after a sequence gap. No pubsub message cap applies: the model goes out as
 * length-prefixed chunks (it-pipe + it-length-prefixed).
 *
 *   requester: opens the stream and reads (it sends nothing)
 *   server:    chunk 0  JSON header {v, specHash, round, seq, paramCount}
 *              chunks   params (paramCount float32, little-endian), then the public copy x̂,
 *                       cut into chunks of at most SYNC_CHUNK_BYTES
 *
 * The reader trusts nothing: header fields, exact total length (2 × 4 × paramCount, the only size
 * bound), finite values and the model-spec hash are checked before a SyncSnapshot is returned.
 */
import * as lp from 'it-length-prefixed';
import { pipe } from 'it-pipe';
import type { Uint8ArrayList } from 'uint8arraylist';
import type { SyncSnapshot } from '../core/interfaces.ts';
import type { ByteStream, Libp2pPeer } from './libp2p-peer.ts';

export const SYNC_PROTOCOL = '/gossiplearn/sync/1.0.0';
export const SYNC_CHUNK_BYTES = 256 * 1024;
const MAX_HEADER_BYTES = 4096;
const SPEC_HASH_RE = /^[0-9a-f]{16}$/;
const MAX_U32 = 0xffffffff;

export type SyncFailure =
  | 'unreachable'
  | 'timeout'
  | 'bad-header'
  | 'spec-hash'
  | 'param-count'
  | 'bad-chunk'
  | 'too-long'
  | 'truncated'
  | 'non-finite';

/** A sync that failed; `reason` is one short tag for counting, the message says the rest. */
export class SyncError extends Error {
  override name = 'SyncError';
  readonly reason: SyncFailure;

  constructor(reason: SyncFailure, message: string) {
    super(`${reason}: ${message}`);
    this.reason = reason;
  }
}

export interface SyncExpectation {
  readonly specHash: string;
  readonly paramCount: number;
}

interface SyncHeader {
  readonly v: 1;
  readonly specHash: string;
  readonly round: number;
  readonly seq: number;
  readonly paramCount: number;
}

function bytesOf(x: Float32Array): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/** The chunks a server writes for `snap` (before length-prefixing). */
export function* snapshotChunks(snap: SyncSnapshot, chunkBytes = SYNC_CHUNK_BYTES): Generator<Uint8Array> {
  if (snap.params.length !== snap.publicCopy.length)
    throw new RangeError('snapshot params and public copy differ in length');
  const header: SyncHeader = {
    v: 1,
    specHash: snap.specHash,
    round: snap.round,
    seq: snap.seq,
    paramCount: snap.params.length,
  };
  yield new TextEncoder().encode(JSON.stringify(header));
  for (const part of [bytesOf(snap.params), bytesOf(snap.publicCopy)])
    for (let off = 0; off < part.length; off += chunkBytes)
      yield part.subarray(off, Math.min(part.length, off + chunkBytes));
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_U32;
}

function parseHeader(bytes: Uint8Array, expect: SyncExpectation): SyncHeader {
  if (bytes.length > MAX_HEADER_BYTES) throw new SyncError('bad-header', `header chunk of ${bytes.length} bytes`);
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch {
    throw new SyncError('bad-header', 'header is not UTF-8 JSON');
  }
  if (h === null || typeof h !== 'object' || h.v !== 1)
    throw new SyncError('bad-header', `unsupported header version ${JSON.stringify(h?.v)}`);
  if (typeof h.specHash !== 'string' || !SPEC_HASH_RE.test(h.specHash))
    throw new SyncError('bad-header', 'specHash must be 16 lowercase hex characters');
  if (!isU32(h.round) || !isU32(h.seq) || !isU32(h.paramCount))
    throw new SyncError('bad-header', 'round, seq and paramCount must be uint32');
  if (h.specHash !== expect.specHash)
    throw new SyncError('spec-hash', `snapshot is for model spec ${h.specHash}, expected ${expect.specHash}`);
  if (h.paramCount !== expect.paramCount)
    throw new SyncError('param-count', `snapshot has ${h.paramCount} parameters, expected ${expect.paramCount}`);
  return h as unknown as SyncHeader;
}

function requireFinite(x: Float32Array, what: string): void {
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i]!)) throw new SyncError('non-finite', `${what}[${i}] is ${x[i]}`);
}

/** Read and validate a snapshot from already de-framed chunks. */
export async function readSnapshot(
  chunks: AsyncIterable<Uint8ArrayList | Uint8Array>,
  expect: SyncExpectation,
): Promise<SyncSnapshot> {
  let header: SyncHeader | null = null;
  let body = new Uint8Array(0);
  let filled = 0;
  for await (const chunk of chunks) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray();
    if (!header) {
      header = parseHeader(bytes, expect);
      body = new Uint8Array(8 * header.paramCount);
      continue;
    }
    if (filled + bytes.length > body.length)
      throw new SyncError('too-long', `more than the ${body.length} bytes the header announced`);
    body.set(bytes, filled);
    filled += bytes.length;
  }
  if (!header) throw new SyncError('truncated', 'stream ended before the header');
  if (filled < body.length) throw new SyncError('truncated', `stream ended after ${filled} of ${body.length} bytes`);
  const d = header.paramCount;
  const params = new Float32Array(body.buffer, 0, d);
  const publicCopy = new Float32Array(body.buffer, 4 * d, d);
  requireFinite(params, 'params');
  requireFinite(publicCopy, 'publicCopy');
  return { specHash: header.specHash, round: header.round, seq: header.seq, params, publicCopy };
}

/** De-frame a stream's length-prefixed chunks; an oversized or malformed prefix is a SyncError. */
async function* deframe(source: AsyncIterable<Uint8ArrayList | Uint8Array>): AsyncGenerator<Uint8ArrayList> {
  try {
    yield* lp.decode(source, { maxDataLength: Math.max(SYNC_CHUNK_BYTES, MAX_HEADER_BYTES) });
  } catch (e) {
    if (e instanceof SyncError) throw e;
    throw new SyncError('bad-chunk', (e as Error).message);
  }
}

/** Serve `provider()`'s snapshot to every sync request on `host`. */
export async function serveSnapshots(
  host: Libp2pPeer,
  provider: () => SyncSnapshot | null,
  onError: (peer: string, err: Error) => void,
): Promise<void> {
  await host.handle(SYNC_PROTOCOL, (stream: ByteStream) => {
    const snap = provider();
    const chunks = snap ? snapshotChunks(snap) : [];
    pipe(
      chunks,
      (src) => lp.encode(src),
      (src) => stream.sink(src),
    ).catch((e: Error) => {
      stream.abort(e);
      onError(stream.remotePeer, e);
    });
  });
}

/** Fetch and validate `peer`'s snapshot; rejects with a SyncError after `timeoutMs` at most. */
export async function requestSnapshot(
  host: Libp2pPeer,
  peer: string,
  expect: SyncExpectation,
  timeoutMs: number,
): Promise<SyncSnapshot> {
  const signal = AbortSignal.timeout(timeoutMs);
  let stream: ByteStream;
  try {
    stream = await host.openStream(peer, SYNC_PROTOCOL, signal);
  } catch (e) {
    throw new SyncError(signal.aborted ? 'timeout' : 'unreachable', `${peer}: ${(e as Error).message}`);
  }
  const onAbort = (): void =>
    stream.abort(new SyncError('timeout', `${peer}: no complete snapshot within ${timeoutMs} ms`));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await stream.closeWrite();
    return await readSnapshot(deframe(stream.source), expect);
  } catch (e) {
    stream.abort(e as Error);
    if (e instanceof SyncError) throw e;
    throw new SyncError(signal.aborted ? 'timeout' : 'bad-chunk', `${peer}: ${(e as Error).message}`);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await stream.close().catch(() => {});
  }
}
