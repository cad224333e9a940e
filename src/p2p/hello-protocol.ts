/**
 * `/gossiplearn/hello/1.0.0`: the handshake that makes a connected peer an auto neighbour. Listing
 * the sync protocol proves nothing; a peer is a neighbour only once it has shown it is on the same
 * network, model spec and task, speaking the same protocol version.
 *
 *   initiator: one length-prefixed JSON hello {v, network, specHash, task}, then closes its side
 *   responder: reads exactly one hello, answers with its own (whatever it thinks of the other's)
 *
 * Each side validates what it reads like any network input (size, UTF-8 JSON, exact schema) and
 * compares it with its own; either failure is a HelloError with a short reason for counting.
 */
import * as lp from 'it-length-prefixed';
import type { Uint8ArrayList } from 'uint8arraylist';
import { z } from 'zod';
import type { ByteStream, Libp2pPeer } from './libp2p-peer.ts';

export const HELLO_PROTOCOL = '/gossiplearn/hello/1.0.0';
export const HELLO_VERSION = 1;
export const MAX_HELLO_BYTES = 1024;

const hex16 = z.string().regex(/^[0-9a-f]{16}$/);
const helloSchema = z
  .object({
    v: z.number().int().positive(),
    network: z.string().regex(/^[A-Za-z0-9._/-]{1,128}$/),
    specHash: hex16,
    /** The testnet task hash, or null for a plain daemon. */
    task: hex16.nullable(),
  })
  .strict();

export type Hello = z.output<typeof helloSchema>;

export type HelloFailure = 'bad-hello' | 'version' | 'network' | 'spec-hash' | 'task' | 'timeout' | 'unreachable';

export class HelloError extends Error {
  override name = 'HelloError';
  readonly reason: HelloFailure;

  constructor(reason: HelloFailure, message: string) {
    super(`${reason}: ${message}`);
    this.reason = reason;
  }
}

export function encodeHello(h: Hello): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(h));
}

/** A validated hello from untrusted bytes; throws HelloError('bad-hello'). */
export function parseHello(bytes: Uint8Array): Hello {
  if (bytes.length > MAX_HELLO_BYTES) {
    throw new HelloError('bad-hello', `${bytes.length} bytes, at most ${MAX_HELLO_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new HelloError('bad-hello', 'not UTF-8 JSON');
  }
  const r = helloSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new HelloError('bad-hello', `${issue.path.join('.') || 'hello'}: ${issue.message}`);
  }
  return r.data;
}

/** Why `theirs` is not a peer of `ours`, or null when it is. */
export function helloMismatch(ours: Hello, theirs: Hello): HelloError | null {
  const differs = (reason: HelloFailure, what: string, a: unknown, b: unknown): HelloError =>
    new HelloError(reason, `${what} ${String(a)} ≠ ours ${String(b)}`);
  if (theirs.v !== ours.v) return differs('version', 'protocol version', theirs.v, ours.v);
  if (theirs.network !== ours.network) return differs('network', 'network', theirs.network, ours.network);
  if (theirs.specHash !== ours.specHash) return differs('spec-hash', 'model spec', theirs.specHash, ours.specHash);
  if (theirs.task !== ours.task) return differs('task', 'task', theirs.task, ours.task);
  return null;
}

/** Exactly one length-prefixed message of at most MAX_HELLO_BYTES from `source`. */
async function readOne(source: AsyncIterable<Uint8ArrayList | Uint8Array>): Promise<Uint8Array> {
  let msg: Uint8Array | null = null;
  try {
    for await (const chunk of lp.decode(source, { maxDataLength: MAX_HELLO_BYTES })) {
      if (msg) throw new HelloError('bad-hello', 'more than one message');
      msg = chunk.subarray();
    }
  } catch (e) {
    if (e instanceof HelloError) throw e;
    throw new HelloError('bad-hello', (e as Error).message);
  }
  if (!msg) throw new HelloError('bad-hello', 'stream ended before a hello');
  return msg;
}

/** A peer's hello checked against ours: the peer's Hello, or why it is refused. */
export function judgeHello(ours: Hello, bytes: Uint8Array): Hello {
  const theirs = parseHello(bytes);
  const problem = helloMismatch(ours, theirs);
  if (problem) throw problem;
  return theirs;
}

/**
 * Answer every hello on `host` with `ours`; `onHello` learns whether each initiator proved itself
 * (its Hello) or not (a HelloError). Each stream is cut after `timeoutMs`.
 */
export async function serveHello(
  host: Libp2pPeer,
  ours: Hello,
  onHello: (peer: string, result: Hello | HelloError) => void,
  timeoutMs = 5000,
): Promise<void> {
  await host.handle(
    HELLO_PROTOCOL,
    (stream: ByteStream) => {
      const cut = (): void => stream.abort(new HelloError('timeout', `no hello within ${timeoutMs} ms`));
      const timer = setTimeout(cut, timeoutMs);
      (async () => {
        let result: Hello | HelloError;
        try {
          result = judgeHello(ours, await readOne(stream.source));
        } catch (e) {
          result = e instanceof HelloError ? e : new HelloError('bad-hello', (e as Error).message);
        }
        // Answer a mismatch too, so the other side can say why; not a malformed hello.
        if (result instanceof HelloError && result.reason === 'bad-hello') stream.abort(result);
        else await stream.sink([lp.encode.single(encodeHello(ours))]);
        onHello(stream.remotePeer, result);
      })()
        .catch((e: Error) => {
          stream.abort(e);
          onHello(stream.remotePeer, e instanceof HelloError ? e : new HelloError('unreachable', e.message));
        })
        .finally(() => clearTimeout(timer));
    },
    8,
  );
}

/** Send our hello to `peer` and judge its answer; resolves to its Hello, rejects with a HelloError. */
export async function sayHello(host: Libp2pPeer, peer: string, ours: Hello, timeoutMs: number): Promise<Hello> {
  const signal = AbortSignal.timeout(timeoutMs);
  let stream: ByteStream;
  try {
    stream = await host.openStream(peer, HELLO_PROTOCOL, signal);
  } catch (e) {
    throw new HelloError(signal.aborted ? 'timeout' : 'unreachable', (e as Error).message);
  }
  const onAbort = (): void => stream.abort(new HelloError('timeout', `no answer within ${timeoutMs} ms`));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await stream.sink([lp.encode.single(encodeHello(ours))]);
    return judgeHello(ours, await readOne(stream.source));
  } catch (e) {
    stream.abort(e as Error);
    if (signal.aborted) throw new HelloError('timeout', `no answer within ${timeoutMs} ms`);
    if (e instanceof HelloError) throw e;
    throw new HelloError('unreachable', (e as Error).message);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await stream.close().catch(() => {});
  }
}
