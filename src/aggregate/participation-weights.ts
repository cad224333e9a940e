/**
 * FedAU-style participation-aware weights (Wang & Ji, "A Lightweight Method for Tackling Unknown
 * Participation Statistics in Federated Averaging", ICLR 2024), for gossip: a node estimates online,
 * per in-neighbour, the mean interval between the rounds in which a new update from it arrived
 * (each interval truncated at `cutoff` K, as the paper's estimator), and scales that neighbour's
 * mixing weight by the estimate when a new update is used. A neighbour that sends every round
 * keeps its weight; one that sends in a fifth of the rounds counts about five times when it does,
 * so its data is not under-represented in the consensus. Nothing about participation is known
 * beforehand.
 */
import { z } from 'zod';

export const participationSchema = z
  .object({
    /** K: intervals longer than this many rounds count as K (bounds the weight of a rare sender). */
    cutoff: z.number().int().positive().max(1000).default(10),
  })
  .strict();

export type ParticipationConfig = z.output<typeof participationSchema>;

interface Track {
  /** Rounds closed since the last new update (or since tracking began). */
  since: number;
  sum: number;
  count: number;
  /** Round of the last update already counted. */
  seenRound: number;
}

export class ParticipationWeights {
  private readonly cutoff: number;
  private readonly tracks = new Map<string, Track>();

  constructor(cfg: ParticipationConfig) {
    this.cutoff = cfg.cutoff;
  }

  private track(peer: string): Track {
    let t = this.tracks.get(peer);
    if (!t) {
      t = { since: 0, sum: 0, count: 0, seenRound: -Infinity };
      this.tracks.set(peer, t);
    }
    return t;
  }

  /** Whether `lastRound` (the peer's newest update) has not been counted yet. */
  isNew(peer: string, lastRound: number): boolean {
    return lastRound > this.track(peer).seenRound;
  }

  /** The estimated participation interval Ω̂ of `peer` (1 before any interval was observed). */
  interval(peer: string): number {
    const t = this.tracks.get(peer);
    return t && t.count > 0 ? t.sum / t.count : 1;
  }

  /**
   * Called once per closed round for every in-neighbour, with the round of its newest update
   * (−∞ if none): one more round passed; a new update, or K rounds without one, ends an interval.
   */
  observe(peer: string, lastRound: number): void {
    const t = this.track(peer);
    t.since++;
    const fresh = lastRound > t.seenRound;
    if (fresh) t.seenRound = lastRound;
    if (fresh || t.since >= this.cutoff) {
      t.sum += Math.min(t.since, this.cutoff);
      t.count++;
      t.since = 0;
    }
  }
}

/**
 * Scale the neighbours' weights down so that they sum to at most `cap`: upweighting a rare sender
 * must not push the self weight below what it is with everyone sending (1 − cap).
 */
export function capTotalWeight(weights: number[], cap: number): void {
  let sum = 0;
  for (const w of weights) sum += w;
  if (sum <= cap || sum === 0) return;
  const f = cap / sum;
  for (let k = 0; k < weights.length; k++) weights[k] = weights[k]! * f;
}
