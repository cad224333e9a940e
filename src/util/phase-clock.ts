/**
 * Wall time this thread spent in each part of the gossip step, summed since it started: what a
 * simulation reports as the breakdown of its time besides training and evaluation.
 */
export interface PhaseTimes {
  /** Making a round's frame: the gossip scheme's encoding (pricing included) and the frame around it. */
  encode: number;
  /** The part of `encode` spent pricing the layered codec's candidates. */
  pricing: number;
  /** Checking and decoding received frames. */
  decode: number;
  /** Adding decoded updates into the senders' public copies. */
  fold: number;
  /** Aggregating the round's models. */
  mix: number;
}

export type Phase = keyof PhaseTimes;

const times: PhaseTimes = { encode: 0, pricing: 0, decode: 0, fold: 0, mix: 0 };

/** Run `f`, adding its wall time (also when it throws) to `phase`. */
export function timePhase<R>(phase: Phase, f: () => R): R {
  const t0 = performance.now();
  try {
    return f();
  } finally {
    times[phase] += performance.now() - t0;
  }
}

/** A copy of the totals so far, in milliseconds. */
export function phaseTimes(): PhaseTimes {
  return { ...times };
}

/** The time spent in each phase since `start` (an earlier phaseTimes()). */
export function phaseTimesSince(start: PhaseTimes): PhaseTimes {
  const now = phaseTimes();
  for (const k of Object.keys(now) as Phase[]) now[k] -= start[k];
  return now;
}
