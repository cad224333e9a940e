import type { Clock } from './interfaces.ts';

/** Wall-clock milliseconds since the epoch, sub-ms resolution: comparable across processes and tabs. */
export const wallClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  schedule: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
