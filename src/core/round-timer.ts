import { AdaptiveDeadline, type DeadlineOptions } from './deadline.ts';
import type { Cancel, Clock } from './interfaces.ts';

/** A round's collection deadline: publishedAt + the adaptive deadline, armed on the clock. */
export class RoundTimer {
  private readonly clock: Clock;
  private readonly deadline: AdaptiveDeadline;
  private timer: Cancel | null = null;
  /** When the round published (or began collecting without publishing). */
  publishedAt = 0;
  private at = Infinity;
  /** Past the deadline, waiting for neighbours far behind (see hold). */
  private heldValue = false;

  constructor(clock: Clock, opts: DeadlineOptions) {
    this.clock = clock;
    this.deadline = new AdaptiveDeadline(opts);
  }

  /** The adaptive deadline now (ms after publishing), floored by the clock's timer lag. */
  ms(): number {
    return this.deadline.current(this.clock.lagMs?.() ?? 0);
  }

  /** Arrival samples seen so far (0: the deadline is still the cap). */
  get samples(): number {
    return this.deadline.samples;
  }

  /** An update of the current round (or later) arrived: learn its delay. */
  recordArrival(collecting: boolean): void {
    this.deadline.record(collecting ? this.clock.now() - this.publishedAt : 0);
  }

  /** Start collecting: the deadline counts from now. */
  open(): void {
    this.publishedAt = this.clock.now();
    this.at = Infinity;
    this.heldValue = false;
  }

  get held(): boolean {
    return this.heldValue;
  }

  /** Past the deadline but not closing: check again one deadline from now (arm() no longer moves it). */
  hold(fire: () => void): void {
    this.timer?.();
    this.heldValue = true;
    this.timer = this.clock.schedule(this.ms(), fire);
  }

  /** (Re)arm the deadline; it only ever moves earlier as arrival samples come in. */
  arm(fire: () => void): void {
    const at = this.publishedAt + this.ms();
    if (this.heldValue || at >= this.at) return;
    this.timer?.();
    this.at = at;
    this.timer = this.clock.schedule(Math.max(0, at - this.clock.now()), fire);
  }

  cancel(): void {
    this.timer?.();
    this.timer = null;
  }

  /** The deadline in force (ms after publishing), for the round record. */
  inForce(): number {
    return Number.isFinite(this.at) ? this.at - this.publishedAt : this.ms();
  }
}
