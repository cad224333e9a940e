/**
 * `/gossiplearn/direct/1.0.0`: one frame pushed to one peer over a stream, for round modes that
 * address specific peers instead of every neighbour (MoDeST hands models to sampled trainers and
 * aggregators). The sender opens a stream, writes one length-prefixed frame and closes; the
 * receiver reads at most one frame of at most `maxBytes` and hands it over with the stream's
 * authenticated remote peer as the sender. The frame itself is validated by the node.
 */
import * as lp from 'it-length-prefixed';
import { pipe } from 'it-pipe';
import type { ByteStream, Libp2pPeer } from './libp2p-peer.ts';

export const DIRECT_PROTOCOL = '/gossiplearn/direct/1.0.0';

/** Accept pushed frames: `deliver(from, frame)` for each well-formed one. */
export async function serveDirectFrames(
  host: Libp2pPeer,
  maxBytes: number,
  deliver: (from: string, frame: Uint8Array) => void,
  onError: (peer: string, err: Error) => void,
): Promise<void> {
  await host.handle(DIRECT_PROTOCOL, (stream: ByteStream) => {
    void (async () => {
      try {
        for await (const chunk of lp.decode(stream.source, { maxDataLength: maxBytes })) {
          deliver(stream.remotePeer, chunk.subarray());
          break;
        }
        await stream.close();
      } catch (e) {
        stream.abort(e as Error);
        onError(stream.remotePeer, e as Error);
      }
    })();
  });
}

/** Push one frame to `peer`; rejects if the peer cannot be reached within `timeoutMs`. */
export async function pushFrame(host: Libp2pPeer, peer: string, frame: Uint8Array, timeoutMs: number): Promise<void> {
  const stream = await host.openStream(peer, DIRECT_PROTOCOL, AbortSignal.timeout(timeoutMs));
  try {
    await pipe(
      [frame],
      (src) => lp.encode(src),
      (src) => stream.sink(src),
    );
  } catch (e) {
    stream.abort(e as Error);
    throw e;
  }
}
