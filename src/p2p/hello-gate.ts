/**
 * Which connected peers have proven, by the hello handshake, that they are on our network, model
 * spec and task: only those may become auto neighbours. A peer is proven when it answers our hello
 * correctly or sends us a correct one; a failed attempt is retried with backoff (a mismatch, a
 * malformed hello or a timeout is reported each time it happens, and counted by the caller).
 */
import type { Libp2pPeer } from './libp2p-peer.ts';
import { HelloError, sayHello, serveHello, type Hello } from './hello-protocol.ts';

export interface HelloGateOptions {
  readonly host: Libp2pPeer;
  readonly ours: Hello;
  readonly timeoutMs: number;
  /** First retry delay after a failed handshake; doubles up to `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** A failed handshake; `repeat` when it failed the same way last time (worth less noise). */
  readonly onRefuse: (peer: string, err: HelloError, repeat: boolean) => void;
}

interface Attempt {
  failures: number;
  nextAt: number;
  pending: boolean;
  lastError: HelloError | null;
}

export class HelloGate {
  private readonly o: HelloGateOptions;
  private readonly proven = new Set<string>();
  private readonly attempts = new Map<string, Attempt>();
  private readonly listeners: Array<(peer: string) => void> = [];

  constructor(o: HelloGateOptions) {
    this.o = o;
  }

  async start(): Promise<void> {
    const onHello = (peer: string, r: Hello | HelloError): void => {
      if (r instanceof HelloError) this.fail(peer, r);
      else this.prove(peer);
    };
    await serveHello(this.o.host, this.o.ours, onHello, this.o.timeoutMs);
    // A reconnecting peer proves itself again: it may have restarted on another task.
    this.o.host.onPeer('disconnect', (peer) => {
      this.proven.delete(peer);
      this.attempts.delete(peer);
    });
  }

  isProven(peer: string): boolean {
    return this.proven.has(peer);
  }

  /** Called whenever a peer proves itself. */
  onProven(fn: (peer: string) => void): void {
    this.listeners.push(fn);
  }

  /** Peers whose last handshake failed, with the reason. */
  refused(): Array<{ peer: string; reason: string }> {
    return [...this.attempts]
      .filter(([p, a]) => a.lastError && !this.proven.has(p))
      .map(([peer, a]) => ({ peer, reason: a.lastError!.message }));
  }

  /** Start a handshake with `peer` unless it is proven, one is under way, or a retry is not due. */
  check(peer: string): void {
    if (this.proven.has(peer)) return;
    const a = this.attemptOf(peer);
    if (a.pending || Date.now() < a.nextAt) return;
    a.pending = true;
    sayHello(this.o.host, peer, this.o.ours, this.o.timeoutMs)
      .then(
        () => this.prove(peer),
        (e: Error) => this.fail(peer, e instanceof HelloError ? e : new HelloError('unreachable', e.message)),
      )
      .finally(() => {
        a.pending = false;
      });
  }

  private attemptOf(peer: string): Attempt {
    let a = this.attempts.get(peer);
    if (!a) {
      a = { failures: 0, nextAt: 0, pending: false, lastError: null };
      this.attempts.set(peer, a);
    }
    return a;
  }

  private prove(peer: string): void {
    const a = this.attemptOf(peer);
    a.failures = 0;
    a.lastError = null;
    if (this.proven.has(peer)) return;
    this.proven.add(peer);
    for (const fn of this.listeners) fn(peer);
  }

  private fail(peer: string, err: HelloError): void {
    const a = this.attemptOf(peer);
    const repeat = a.lastError?.message === err.message;
    a.failures++;
    a.lastError = err;
    a.nextAt = Date.now() + Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** Math.min(a.failures - 1, 10));
    this.o.onRefuse(peer, err, repeat);
  }
}
