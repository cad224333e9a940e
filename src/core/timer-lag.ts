import { unrefTimer } from '../util/unref-timer.ts';

export interface TimerLagOptions {
  /** How often the probe timer is set. */
  periodMs: number;
  /** How many recent lateness samples to keep. */
  window: number;
  /** The quantile of the window reported as the lag. */
  quantile: number;
}

// The window's maximum: one stall in the last ~6 s (e.g. a neighbour process starting up) is a fair
// warning of the next, and a long deadline costs nothing while neighbours answer (quorum closes first).
export const defaultTimerLag: TimerLagOptions = { periodMs: 100, window: 64, quantile: 1 };

/** A sliding window of timer lateness samples (ms a timer fired after it was due). */
export class LatenessWindow {
  private readonly samples: number[] = [];
  private readonly opts: Pick<TimerLagOptions, 'window' | 'quantile'>;

  constructor(opts: Pick<TimerLagOptions, 'window' | 'quantile'>) {
    this.opts = opts;
  }

  record(latenessMs: number): void {
    this.samples.push(Math.max(0, latenessMs));
    if (this.samples.length > this.opts.window) this.samples.shift();
  }

  /** The configured quantile of the window; 0 before any sample. */
  current(): number {
    const n = this.samples.length;
    if (n === 0) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(n - 1, Math.floor(this.opts.quantile * n))] ?? 0;
  }
}

/**
 * Measures how late this process's timers fire: an unref'd timer every `periodMs` records how long
 * after its due time it ran. On an oversubscribed host (many daemons on few cores, a busy tab) a
 * timer can fire hundreds of ms late, so a round deadline shorter than that is one the node cannot
 * keep; the node's deadline never goes below a multiple of this lag.
 */
export class TimerLagProbe {
  private readonly window: LatenessWindow;
  private readonly opts: TimerLagOptions;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: TimerLagOptions = defaultTimerLag) {
    this.opts = opts;
    this.window = new LatenessWindow(opts);
  }

  start(): void {
    if (this.timer !== null) return;
    const arm = (): void => {
      const due = performance.now() + this.opts.periodMs;
      this.timer = setTimeout(() => {
        this.window.record(performance.now() - due);
        arm();
      }, this.opts.periodMs);
      unrefTimer(this.timer);
    };
    arm();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Recent lateness (ms); starts the probe on first use. */
  lagMs(): number {
    this.start();
    return this.window.current();
  }
}
