import type { NodeConfig } from './config.ts';
import type { Inbox, PeerState } from './inbox.ts';
import type { Clock } from './interfaces.ts';
import type { NeighbourLiveness } from './node-options.ts';

interface LiveCounts {
  readonly live: number;
  readonly fresh: number;
  readonly behind: number;
  readonly heardBehind: number;
}

/**
 * Which neighbours a node waits for. A neighbour counts toward the quorum while it is not silent
 * and was heard from lately; it is fresh once its update for the node's current round is in.
 */
export class PeerLiveness {
  private readonly inbox: Inbox;
  private readonly clock: Clock;
  private readonly cfg: NodeConfig;
  /** When each of the last S+2 rounds started here, for judging which neighbours are alive. */
  private readonly roundStarts = new Map<number, number>();
  /** The round deadline now (ms), for the time floor. */
  private readonly deadlineMs: () => number;

  constructor(inbox: Inbox, clock: Clock, cfg: NodeConfig, deadlineMs: () => number) {
    this.inbox = inbox;
    this.clock = clock;
    this.cfg = cfg;
    this.deadlineMs = deadlineMs;
  }

  /**
   * Start of the time floor of the liveness windows: silentAfterDeadlines + 1 deadlines ago (3 by
   * default). A window counted in rounds alone shrinks as the node speeds up, until neighbours that
   * send at their own, slower pace look dead between two updates.
   */
  private floorStart(): number {
    return this.clock.now() - (this.cfg.silentAfterDeadlines + 1) * this.deadlineMs();
  }

  roundStarted(round: number): void {
    this.roundStarts.set(round, this.clock.now());
    this.roundStarts.delete(round - this.cfg.staleness.maxRounds - 2);
  }

  heard(state: PeerState): void {
    state.lastHeardAt = this.clock.now();
    state.missedDeadlines = 0;
  }

  /**
   * A neighbour is silent once `silentAfterDeadlines` rounds in a row closed by deadline without a
   * word from it (an accepted update or a resync): it stops counting toward the quorum until it
   * is heard again, so a peer that connects and never sends cannot slow every round to the deadline.
   */
  isSilent(state: PeerState | undefined): boolean {
    return (state?.missedDeadlines ?? 0) >= this.cfg.silentAfterDeadlines;
  }

  /** Count a missed deadline for every neighbour not heard from since `since` (the round's start). */
  noteMissedDeadline(peers: readonly string[], since: number): void {
    for (const p of peers) {
      const state = this.inbox.getOrCreate(p);
      if (state.lastHeardAt < since) state.missedDeadlines++;
    }
  }

  /** Each neighbour as the node judges it (for status pages). */
  report(peers: readonly string[]): NeighbourLiveness[] {
    return peers.map((peer) => {
      const s = this.inbox.get(peer);
      const heard = s && Number.isFinite(s.lastHeardAt) ? s.lastHeardAt : null;
      const lastRound = s && Number.isFinite(s.lastRound) ? s.lastRound : null;
      const missedDeadlines = s?.missedDeadlines ?? 0;
      return { peer, silent: this.isSilent(s), lastHeardAt: heard, lastRound, missedDeadlines };
    });
  }

  /**
   * Peers counted for the quorum: not silent, and heard from during our last S+1 rounds or the time
   * floor, whichever is longer. Liveness is judged by time, not by round numbers: a neighbour that is
   * behind is alive and waited for (up to the deadline); judging by rounds let a node that got ahead
   * stop waiting and run away for good. `behind`: the live ones more than S rounds behind `round`,
   * `heardBehind`: those of them heard from during the time floor.
   */
  counts(round: number, peers: readonly string[]): LiveCounts {
    const roundsStart = this.roundStarts.get(round - this.cfg.staleness.maxRounds - 1);
    const floor = this.floorStart();
    // Until S+1 rounds have run here, every neighbour counts as live.
    const windowStart = roundsStart === undefined ? -Infinity : Math.min(roundsStart, floor);
    let live = 0;
    let fresh = 0;
    let behind = 0;
    let heardBehind = 0;
    for (const p of peers) {
      const state = this.inbox.get(p);
      if ((state?.lastHeardAt ?? -Infinity) < windowStart) continue;
      if (this.isSilent(state)) continue;
      live++;
      if (!state) continue;
      if (state.lastRound >= round && this.inbox.modelOf(p)) fresh++;
      if (!(state.lastRound >= round - this.cfg.staleness.maxRounds)) {
        behind++;
        if (state.lastHeardAt >= floor) heardBehind++;
      }
    }
    return { live, fresh, behind, heardBehind };
  }

  /**
   * Whether the round may close now. With neighbours but none live, only at the deadline once it
   * is learnt (`paced`: it has arrival samples, so it is not the cap): a node left alone runs one
   * round per deadline instead of flat out, and gets less far ahead of neighbours that come back.
   */
  quorumMet(round: number, peers: readonly string[], paced: boolean): boolean {
    const { live, fresh } = this.counts(round, peers);
    if (live === 0 && peers.length > 0 && paced) return false;
    return fresh >= Math.ceil(this.cfg.quorum * live);
  }

  /**
   * Whether to wait past the deadline: every live neighbour is more than S rounds behind `round`, so
   * all their updates would be dropped as stale, and one of them was heard during the time floor. A
   * node that ran ahead (e.g. alone while they were away) waits for them instead of running on
   * alone; the wait ends within the time floor once they all go quiet.
   */
  aheadOfAll(round: number, peers: readonly string[]): boolean {
    const { live, behind, heardBehind } = this.counts(round, peers);
    return live > 0 && behind === live && heardBehind > 0;
  }

  /**
   * Catch-up: the lower median of the neighbours' last rounds when it is more than S rounds ahead
   * of `next`, else `next`.
   */
  catchUpRound(next: number, peers: readonly string[]): number {
    const seen = peers
      .map((p) => this.inbox.get(p)?.lastRound ?? -Infinity)
      .filter((r) => Number.isFinite(r))
      .sort((a, b) => a - b);
    const front = seen[(seen.length - 1) >> 1];
    // Rounds travel as uint32: never jump where the counter could overflow.
    return front !== undefined && front - next > this.cfg.staleness.maxRounds && front < 0xfff00000 ? front : next;
  }
}
