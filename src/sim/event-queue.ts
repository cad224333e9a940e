import type { Cancel, Clock } from '../core/interfaces.ts';

interface SimEvent {
  time: number;
  seq: number;
  fn: () => void;
  /** Work (e.g. a training job on a worker) that must finish before `fn` runs. */
  wait?: Promise<unknown>;
  /** Set once `wait` has settled, so the loop does not yield for work already done. */
  ready: boolean;
  failed: boolean;
  cancelled: boolean;
}

/**
 * Discrete-event scheduler: events fire in (time, insertion order), so a run is a pure function of
 * its inputs. Also the simulator's Clock.
 */
export class EventQueue implements Clock {
  private heap: SimEvent[] = [];
  private seq = 0;
  private nowMs = 0;
  processed = 0;

  now(): number {
    return this.nowMs;
  }

  schedule(delayMs: number, fn: () => void, wait?: Promise<unknown>): Cancel {
    if (!(delayMs >= 0)) throw new Error(`cannot schedule ${delayMs} ms in the past`);
    const ev: SimEvent = { time: this.nowMs + delayMs, seq: this.seq++, fn, wait, ready: wait === undefined, failed: false, cancelled: false };
    wait?.then(
      () => {
        ev.ready = true;
      },
      () => {
        ev.ready = true;
        ev.failed = true;
      },
    );
    this.push(ev);
    return () => {
      ev.cancelled = true;
    };
  }

  get size(): number {
    return this.heap.length;
  }

  /**
   * Run events until none remain, `stop()` says so, or the limits are hit. `beforeWait` is called
   * whenever the next event must wait for unfinished work (e.g. to send batched jobs on their way).
   */
  async run(
    stop: () => boolean,
    limits: { maxEvents: number; maxTimeMs: number },
    beforeWait?: () => void,
  ): Promise<'done' | 'stopped' | 'max-events' | 'max-time'> {
    while (this.heap.length > 0) {
      if (stop()) return 'stopped';
      if (this.processed >= limits.maxEvents) return 'max-events';
      const ev = this.pop();
      if (ev.cancelled) continue;
      if (ev.time > limits.maxTimeMs) return 'max-time';
      this.nowMs = ev.time;
      if (!ev.ready || ev.failed) {
        beforeWait?.();
        await ev.wait;
      }
      this.processed++;
      ev.fn();
    }
    return stop() ? 'stopped' : 'done';
  }

  private static less(a: SimEvent, b: SimEvent): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  // (time, seq) is unique, so the pop order is fully determined whatever the heap's layout.
  private push(ev: SimEvent): void {
    const h = this.heap;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!EventQueue.less(ev, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): SimEvent {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && EventQueue.less(h[r]!, h[l]!) ? r : l;
        const child = h[c]!;
        if (!EventQueue.less(child, last)) break;
        h[i] = child;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
