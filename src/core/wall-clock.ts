import type { Clock } from './interfaces.ts';
import { TimerLagProbe } from './timer-lag.ts';

const probe = new TimerLagProbe();

/** How late this process's timers fired lately (ms, the largest delay in the last ~6 s). */
export const hostTimerLagMs = (): number => probe.lagMs();

/** Wall-clock milliseconds since the epoch, sub-ms resolution: comparable across processes and tabs. */
export const wallClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  schedule: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  lagMs: hostTimerLagMs,
};
