import type { Clock } from './interfaces.ts';
import { TimerLagProbe } from './timer-lag.ts';

const probe = new TimerLagProbe();

/** How late this process's timers fired lately (ms, the largest delay in the last ~6 s). */
export const hostTimerLagMs = (): number => probe.lagMs();

/** Later than this past due, a timer lets pending I/O run first. */
const LATE_MS = 5;

/** Node's check phase runs after pending I/O callbacks; browsers have no such hook (undefined there). */
const afterPendingIo = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const cancelAfterPendingIo = (globalThis as { clearImmediate?: (h: unknown) => void }).clearImmediate;

/**
 * Wall-clock milliseconds since the epoch, sub-ms resolution: comparable across processes and tabs.
 * A timer that fires late (the process did not run for a while) runs its callback only after the
 * I/O that arrived meanwhile: Node runs expired timers before polling sockets, so a round deadline
 * would otherwise close the round while the neighbours' updates sit unread in the socket buffers.
 */
export const wallClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  schedule: (ms, fn) => {
    const due = performance.now() + ms;
    let immediate: unknown = null;
    const t = setTimeout(() => {
      if (afterPendingIo && performance.now() - due > LATE_MS) immediate = afterPendingIo(fn);
      else fn();
    }, ms);
    return () => {
      clearTimeout(t);
      if (immediate !== null) cancelAfterPendingIo?.(immediate);
    };
  },
  lagMs: hostTimerLagMs,
};
