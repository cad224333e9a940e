import type { NodeConfig } from './config.ts';
import type { Inbox, PeerState } from './inbox.ts';
import type { Clock } from './interfaces.ts';
import type { NeighbourLiveness } from './node-options.ts';

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

  constructor(inbox: Inbox, clock: Clock, cfg: NodeConfig) {
    this.inbox = inbox;
    this.clock = clock;
    this.cfg = cfg;
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
   * Peers counted for the quorum: not silent, and heard from during our last S+1 rounds. Liveness
   * is judged by time, not by round numbers: a neighbour that is behind is alive and waited for (up
   * to the deadline); judging by rounds let a node that got ahead stop waiting and run away for good.
   */
  counts(round: number, peers: readonly string[]): { live: number; fresh: number } {
    const windowStart = this.roundStarts.get(round - this.cfg.staleness.maxRounds - 1);
    let live = 0;
    let fresh = 0;
    for (const p of peers) {
      const state = this.inbox.get(p);
      // Until S+1 rounds have run here, every neighbour counts as live.
      if (windowStart !== undefined && (state?.lastHeardAt ?? -Infinity) < windowStart) continue;
      if (this.isSilent(state)) continue;
      live++;
      if (state && state.lastRound >= round && this.inbox.modelOf(p)) fresh++;
    }
    return { live, fresh };
  }

  quorumMet(round: number, peers: readonly string[]): boolean {
    const { live, fresh } = this.counts(round, peers);
    return fresh >= Math.ceil(this.cfg.quorum * live);
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
