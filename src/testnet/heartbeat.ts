/**
 * Status heartbeats: a small JSON every member gossips on `gl/<network>/status` every few seconds.
 * Members learn each other's task hash from them (and refuse a mismatch); bootstrap nodes build the
 * network view from them and publish a directory of the members they hear, so joiners find each other.
 */
import { z } from 'zod';
import { multiaddrText, peerIdText } from '../daemon/config-schemas.ts';
import type { Libp2pPeer } from '../p2p/libp2p-peer.ts';
import { unrefTimer } from '../util/unref-timer.ts';

export function statusTopic(network: string): string {
  return `gl/${network}/status`;
}

/** Update topics live under the task hash too: a node on another task cannot even subscribe to ours. */
export function taskNetwork(network: string, taskHash: string): string {
  return `${network}/${taskHash}`;
}

const count = z.number().int().nonnegative();
const MAX_LIST = 256;

const memberBeat = z
  .object({
    kind: z.literal('member'),
    v: z.number().int().positive(),
    peerId: peerIdText,
    /** Absent from older members: a daemon. */
    agent: z.enum(['daemon', 'browser']).optional(),
    taskHash: z.string().regex(/^[0-9a-f]{16}$/),
    round: count,
    accuracy: z.number().min(0).max(1).nullable(),
    bytes: z.object({ sent: count, received: count }).strict(),
    accepted: count,
    rejected: z.record(count),
    refused: z.array(peerIdText).max(MAX_LIST),
    neighbours: z
      .array(z.object({ id: peerIdText, path: z.enum(['direct', 'webrtc', 'relayed', 'none']) }).strict())
      .max(MAX_LIST),
    addrs: z.array(multiaddrText).max(32),
  })
  .strict();

const directoryBeat = z
  .object({
    kind: z.literal('directory'),
    v: z.number().int().positive(),
    peerId: peerIdText,
    peers: z.array(z.object({ id: peerIdText, addrs: z.array(multiaddrText).max(32) }).strict()).max(MAX_LIST),
  })
  .strict();

const beatSchema = z.discriminatedUnion('kind', [memberBeat, directoryBeat]);

export type MemberBeat = z.output<typeof memberBeat>;
export type DirectoryBeat = z.output<typeof directoryBeat>;
export type Heartbeat = MemberBeat | DirectoryBeat;

/** Heartbeats are small; anything bigger is not one. */
export const MAX_HEARTBEAT_BYTES = 64 * 1024;

export function encodeHeartbeat(b: Heartbeat): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(b));
}

/** The heartbeat in `data` if it is well-formed and authored by `from` (pubsub's authenticated author), else null. */
export function decodeHeartbeat(data: Uint8Array, from: string): Heartbeat | null {
  if (data.length > MAX_HEARTBEAT_BYTES) return null;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return null;
  }
  const r = beatSchema.safeParse(json);
  return r.success && r.data.peerId === from ? r.data : null;
}

/**
 * Subscribe to the network's status topic: malformed or forged heartbeats are rejected, valid ones handed to
 * `onBeat`.
 */
export function listenHeartbeats(host: Libp2pPeer, network: string, onBeat: (b: Heartbeat) => void): void {
  const topic = statusTopic(network);
  host.setValidator(topic, (m) => (decodeHeartbeat(m.data, m.from) ? 'accept' : 'reject'));
  host.subscribe(topic);
  host.onMessage((m) => {
    if (m.topic !== topic) return;
    const b = decodeHeartbeat(m.data, m.from);
    if (b) onBeat(b);
  });
}

/** Call `fn` now and every `ms` (unref'd); returns the stop function. */
export function every(ms: number, fn: () => void): () => void {
  fn();
  const t = setInterval(fn, ms);
  unrefTimer(t);
  return () => clearInterval(t);
}
