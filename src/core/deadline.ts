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

function median(sorted: ArrayLike<number>, n: number): number {
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/**
 * The k-th smallest (0-based) of |x − m| over a sorted window: the deviations fall going left from
 * m and rise going right, so merging the two runs from m outwards yields them in sorted order.
 */
function kthDeviation(sorted: Float64Array, n: number, m: number, k: number): number {
  let hi = 0;
  while (hi < n && sorted[hi]! < m) hi++;
  let lo = hi - 1;
  let dev = 0;
  for (let taken = 0; taken <= k; taken++) {
    const left = lo >= 0 ? m - sorted[lo]! : Infinity;
    const right = hi < n ? sorted[hi]! - m : Infinity;
    if (left <= right) {
      dev = left;
      lo--;
    } else {
      dev = right;
      hi++;
    }
  }
  return dev;
}

/**
 * How long to wait for neighbours after publishing: max(2·median, median + k·MAD) of recent
 * arrival delays, clamped to [floor, cap]. Robust to a few very slow or crashed peers, unlike a
 * max or a mean; the 2·median term keeps a few identical samples (MAD = 0) from cutting it short.
 * The window is kept sorted as samples come and go, and the value is cached until the next sample:
 * a node asks for it on every update it receives.
 */
export class AdaptiveDeadline {
  /** Arrival order, as a ring of `window` slots. */
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private count = 0;
  private oldest = 0;
  private cached: number | null = null;
  private readonly opts: DeadlineOptions;

  constructor(opts: DeadlineOptions) {
    if (!(opts.floorMs >= 0 && opts.capMs >= opts.floorMs))
      throw new Error(`deadline: need 0 ≤ floorMs ≤ capMs, got ${opts.floorMs}, ${opts.capMs}`);
    if (!(Number.isInteger(opts.window) && opts.window >= 1))
      throw new Error(`deadline: window must be a positive integer, got ${opts.window}`);
    this.opts = opts;
    this.ring = new Float64Array(opts.window);
    this.sorted = new Float64Array(opts.window);
  }

  record(delayMs: number): void {
    const d = delayMs > 0 ? delayMs : 0;
    const sorted = this.sorted;
    let n = this.count;
    if (n === this.ring.length) {
      const gone = this.ring[this.oldest]!;
      let at = 0;
      while (sorted[at] !== gone) at++;
      sorted.copyWithin(at, at + 1, n);
      n--;
      this.ring[this.oldest] = d;
      this.oldest = (this.oldest + 1) % this.ring.length;
    } else this.ring[n] = d;
    let at = n;
    while (at > 0 && sorted[at - 1]! > d) {
      sorted[at] = sorted[at - 1]!;
      at--;
    }
    sorted[at] = d;
    this.count = n + 1;
    this.cached = null;
  }

  get samples(): number {
    return this.count;
  }

  /**
   * Wait time in ms; the cap until anything has been observed. `lagMs`: how late the host's timers
   * fire lately (0 in the simulator), so the floor is max(floorMs, lagFactor · lagMs).
   */
  current(lagMs = 0): number {
    if (this.count === 0) return this.opts.capMs;
    if (this.cached === null) {
      const n = this.count;
      const med = median(this.sorted, n);
      const mad =
        n % 2
          ? kthDeviation(this.sorted, n, med, (n - 1) / 2)
          : (kthDeviation(this.sorted, n, med, n / 2 - 1) + kthDeviation(this.sorted, n, med, n / 2)) / 2;
      this.cached = Math.max(2 * med, med + this.opts.k * mad);
    }
    const floor = Math.max(this.opts.floorMs, this.opts.lagFactor * lagMs);
    return Math.min(this.opts.capMs, Math.max(floor, this.cached));
  }
}
