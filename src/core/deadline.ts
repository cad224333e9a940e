export interface DeadlineOptions {
  /** Multiplier of the median absolute deviation. */
  k: number;
  floorMs: number;
  capMs: number;
  /** How many recent arrival delays to remember. */
  window: number;
  /** Never below this multiple of the clock's timer lag (a deadline the host cannot keep is no deadline). */
  lagFactor: number;
}

export const defaultDeadline: DeadlineOptions = { k: 3, floorMs: 50, capMs: 30_000, window: 64, lagFactor: 2 };

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/**
 * How long to wait for neighbours after publishing: max(2·median, median + k·MAD) of recent
 * arrival delays, clamped to [floor, cap]. Robust to a few very slow or crashed peers, unlike a
 * max or a mean; the 2·median term keeps a few identical samples (MAD = 0) from cutting it short.
 */
export class AdaptiveDeadline {
  private readonly delays: number[] = [];
  private readonly opts: DeadlineOptions;

  constructor(opts: DeadlineOptions) {
    if (!(opts.floorMs >= 0 && opts.capMs >= opts.floorMs)) throw new Error(`deadline: need 0 ≤ floorMs ≤ capMs, got ${opts.floorMs}, ${opts.capMs}`);
    this.opts = opts;
  }

  record(delayMs: number): void {
    this.delays.push(Math.max(0, delayMs));
    if (this.delays.length > this.opts.window) this.delays.shift();
  }

  get samples(): number {
    return this.delays.length;
  }

  /**
   * Wait time in ms; the cap until anything has been observed. `lagMs`: how late the host's timers
   * fire lately (0 in the simulator), so the floor is max(floorMs, lagFactor · lagMs).
   */
  current(lagMs = 0): number {
    if (this.delays.length === 0) return this.opts.capMs;
    const sorted = [...this.delays].sort((a, b) => a - b);
    const med = median(sorted);
    const mad = median(sorted.map((d) => Math.abs(d - med)).sort((a, b) => a - b));
    const floor = Math.max(this.opts.floorMs, this.opts.lagFactor * lagMs);
    return Math.min(this.opts.capMs, Math.max(floor, 2 * med, med + this.opts.k * mad));
  }
}
