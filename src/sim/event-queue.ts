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
    const ev: SimEvent = {
      time: this.nowMs + delayMs,
      seq: this.seq++,
      fn,
      wait,
      ready: wait === undefined,
      failed: false,
      cancelled: false,
    };
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

  // The heap orders slots by (time, seq), read from flat arrays: at 100k nodes it holds ~10⁶
  // events, and comparing through the event objects would miss the cache at every level.
  // (time, seq) is unique, so the pop order is fully determined whatever the heap's layout.
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);

  private before(i: number, j: number): boolean {
    const ti = this.times[i]!;
    const tj = this.times[j]!;
    return ti < tj || (ti === tj && this.seqs[i]! < this.seqs[j]!);
  }

  private place(at: number, ev: SimEvent, time: number, seq: number): void {
    this.heap[at] = ev;
    this.times[at] = time;
    this.seqs[at] = seq;
  }

  private move(from: number, to: number): void {
    this.place(to, this.heap[from]!, this.times[from]!, this.seqs[from]!);
  }

  private push(ev: SimEvent): void {
    let i = this.heap.length;
    if (i === this.times.length) {
      const times = new Float64Array(2 * i);
      const seqs = new Float64Array(2 * i);
      times.set(this.times);
      seqs.set(this.seqs);
      this.times = times;
      this.seqs = seqs;
    }
    this.heap.push(ev);
    this.times[i] = ev.time;
    this.seqs[i] = ev.seq;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      const parent = this.heap[p]!;
      const pt = this.times[p]!;
      const ps = this.seqs[p]!;
      this.move(i, p);
      this.place(i, parent, pt, ps);
      i = p;
    }
  }

  private pop(): SimEvent {
    const h = this.heap;
    const top = h[0]!;
    const lastAt = h.length - 1;
    const last = h[lastAt]!;
    const lt = this.times[lastAt]!;
    const ls = this.seqs[lastAt]!;
    h.pop();
    const n = lastAt;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.before(r, l) ? r : l;
        const ct = this.times[c]!;
        if (ct > lt || (ct === lt && this.seqs[c]! > ls)) break;
        this.move(c, i);
        i = c;
      }
      this.place(i, last, lt, ls);
    }
    return top;
  }
}
