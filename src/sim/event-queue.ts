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

  private less(a: SimEvent, b: SimEvent): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private push(ev: SimEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): SimEvent {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
