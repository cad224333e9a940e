/**
 * What the learning node needs from the world. The simulator implements these with a virtual
 * clock and network; the daemon with the real clock and libp2p. Everything is callback-based
 * (no promises inside the node) so that a discrete-event simulator stays deterministic.
 */

export type Cancel = () => void;

export interface Clock {
  /** Milliseconds (virtual in the simulator). */
  now(): number;
  /** Run `fn` after `delayMs`; returns a function that cancels it. */
  schedule(delayMs: number, fn: () => void): Cancel;
  /** How late this clock's timers fire lately (ms); absent or 0 for a virtual clock, which is never late. */
  lagMs?(): number;
}

/** A full copy of a node's state, served to joiners and to neighbours that lost CHOCO sync. */
export interface SyncSnapshot {
  readonly specHash: string;
  readonly round: number;
  /** The node's current model x. */
  readonly params: Float32Array;
  /** Its public copy x̂ (what neighbours hold of it) and the last sequence number folded in. */
  readonly publicCopy: Float32Array;
  readonly seq: number;
}

export interface Transport {
  /** This node's id on the network (the frame's sender field). */
  readonly selfId: string;
  /** Send one frame to this node's current out-neighbours; returns how many copies left. */
  publish(frame: Uint8Array): number;
  /** Deliver every incoming frame here; `from` is the transport-authenticated sender. */
  onFrame(handler: (from: string, frame: Uint8Array) => void): void;
  /** Peers whose updates this node aggregates in `round`. */
  inNeighbours(round: number): readonly string[];
  /** A neighbour's degree, for Metropolis-Hastings weights (undefined when unknown). */
  degreeOf(peer: string): number | undefined;
  /** Fetch a peer's SyncSnapshot over the model-sync protocol. */
  requestSync(peer: string, done: (result: SyncSnapshot | Error) => void): void;
  /** What this node serves to others' sync requests. */
  serveSync(provider: () => SyncSnapshot): void;
  /** MoDeST: send one frame to exactly these peers (not to self); returns the copies sent. */
  sendTo?(peers: readonly string[], frame: Uint8Array): number;
  /** MoDeST: whether `peer` answers (a ping; the simulator replies after a round trip or a timeout). */
  probe?(peer: string, done: (alive: boolean) => void): void;
}

/** Local training: updates `params` in place, then calls `done` (possibly later). */
export interface LocalLearner {
  train(round: number, params: Float32Array, done: (loss: number) => void): void;
}
