// What the soak benchmark reads off a run: waits of live nodes per process, RSS summaries.
import { RoundTail, type RoundLine } from '../../src/cluster/round-tail.ts';

/** One process of a daemon slot: from spawn to exit (Infinity: still running at the end). */
export interface Incarnation {
  readonly slot: number;
  readonly startedAt: number;
  endedAt: number;
}

export interface RoundWait {
  readonly slot: number;
  readonly round: number;
  readonly closedBy: 'quorum' | 'deadline';
  /** ms from publishing its update to closing the round. */
  readonly waitMs: number;
  /** ms from closing the previous round to closing this one. */
  readonly gapMs: number;
  /** The deadline in force when the round closed (ms after publishing). */
  readonly deadlineMs: number;
}

export interface WaitSummary {
  /** The round with the largest wait / deadline. */
  readonly worst: RoundWait | null;
  /** The largest close-to-close gap. */
  readonly longestGap: RoundWait | null;
  readonly rounds: number;
  /** Rounds whose wait exceeded 3 deadlines. */
  readonly over3: RoundWait[];
  readonly p99Ratio: number | null;
  readonly medianDeadlineMs: number | null;
}

const MINUTE = 60_000;

function quantile(sorted: readonly number[], q: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : null;
}

/**
 * Every round of a live node, one process at a time (a node is live from its start to its kill),
 * leaving out the first `skip` rounds after a (re)start (it is syncing): how long it waited after
 * publishing against the deadline it had, and the gaps between its closes.
 */
export function liveWaits(lines: readonly RoundLine[], lives: readonly Incarnation[], skip = 2): WaitSummary {
  const all: RoundWait[] = [];
  for (const inc of lives) {
    const own = lines
      .filter((l) => l.index === inc.slot && l.startedAt >= inc.startedAt && l.closedAt <= inc.endedAt)
      .sort((a, b) => a.closedAt - b.closedAt);
    own.forEach((l, k) => {
      if (k < skip || l.deadlineMs === undefined) return;
      const waitMs = l.closedAt - l.publishedAt;
      const gapMs = l.closedAt - own[k - 1]!.closedAt;
      all.push({ slot: inc.slot, round: l.round, closedBy: l.closedBy, waitMs, gapMs, deadlineMs: l.deadlineMs });
    });
  }
  const ratio = (w: RoundWait): number => w.waitMs / Math.max(1e-9, w.deadlineMs);
  const ratios = all.map(ratio).sort((a, b) => a - b);
  const deadlines = all.map((w) => w.deadlineMs).sort((a, b) => a - b);
  return {
    worst: all.reduce<RoundWait | null>((m, w) => (!m || ratio(w) > ratio(m) ? w : m), null),
    longestGap: all.reduce<RoundWait | null>((m, w) => (!m || w.gapMs > m.gapMs ? w : m), null),
    rounds: all.length,
    over3: all.filter((w) => ratio(w) > 3),
    p99Ratio: quantile(ratios, 0.99),
    medianDeadlineMs: quantile(deadlines, 0.5),
  };
}

export function mib(bytes: number | null): string {
  return bytes === null ? 'n/a' : (bytes / 2 ** 20).toFixed(0);
}

/**
 * Every daemon's progress from its rounds.jsonl (no HTTP: on a loaded machine /status answers can
 * take longer than any sensible timeout): current round, when its last round started, and the
 * accuracy of each evaluation it logged.
 */
export class ClusterProgress {
  private readonly tails: RoundTail[];
  private readonly evals: Array<Array<{ round: number; accuracy: number }>>;

  constructor(roundFiles: readonly string[]) {
    this.tails = roundFiles.map((p) => new RoundTail(p));
    this.evals = roundFiles.map(() => []);
  }

  poll(): void {
    this.tails.forEach((t, i) => {
      for (const l of t.poll())
        if (l.accuracy !== undefined) this.evals[i]!.push({ round: l.round, accuracy: l.accuracy });
    });
  }

  /** Daemon i's current round (one past the last it logged). */
  round(i: number): number {
    const last = this.tails[i]!.last;
    return last ? last.round + 1 : 0;
  }

  lastStartedAt(i: number): number {
    return this.tails[i]!.last?.startedAt ?? -Infinity;
  }

  get n(): number {
    return this.tails.length;
  }

  medianRound(): number {
    const r = this.tails.map((_, i) => this.round(i)).sort((a, b) => a - b);
    return r[r.length >> 1] ?? 0;
  }

  /** Mean over daemons of the last accuracy each logged in a round below `upTo`. */
  meanAccuracy(upTo = Infinity): { mean: number | null; nodes: number; rounds: number[] } {
    const last = this.evals.map((e) => e.filter((x) => x.round < upTo).at(-1)).filter((x) => x !== undefined);
    const mean = last.length ? last.reduce((s, x) => s + x.accuracy, 0) / last.length : null;
    return { mean, nodes: last.length, rounds: last.map((x) => x.round) };
  }

  /** Mean of every evaluation any daemon logged in rounds [from, to). */
  windowAccuracy(from: number, to: number): number | null {
    const xs = this.evals.flat().filter((x) => x.round >= from && x.round < to);
    return xs.length ? xs.reduce((s, x) => s + x.accuracy, 0) / xs.length : null;
  }
}

/** What a sample can hold: /proc's resident figures and, when /status answered, the daemon's own. */
export type MemorySeries = 'rss' | 'anon' | 'file' | 'heapUsed' | 'heapTotal' | 'external' | 'wasm';

/**
 * Memory of every daemon process, sampled every few seconds and kept per process, so that growth is read
 * from medians of windows (one sample lands anywhere in a GC cycle) and a restarted daemon's fresh
 * process is never compared with the one that was killed. Each series is sampled on its own schedule.
 */
export class MemorySampler {
  private readonly byPid = new Map<
    number,
    { slot: number; first: number; last: number; samples: Array<{ t: number; key: MemorySeries; bytes: number }> }
  >();

  add(slot: number, pid: number, values: Partial<Record<MemorySeries, number | null>>, t = Date.now()): void {
    const p = this.byPid.get(pid) ?? { slot, first: t, last: t, samples: [] };
    this.byPid.set(pid, p);
    p.last = Math.max(p.last, t);
    for (const [key, bytes] of Object.entries(values) as Array<[MemorySeries, number | null]>)
      if (bytes !== null) p.samples.push({ t, key, bytes });
  }

  /** Median of series `key` of process `pid` over samples in [from, to); null when there are fewer than 3. */
  median(pid: number, from: number, to: number, key: MemorySeries = 'rss'): number | null {
    const xs = (this.byPid.get(pid)?.samples ?? [])
      .filter((s) => s.key === key && s.t >= from && s.t < to)
      .map((s) => s.bytes)
      .sort((a, b) => a - b);
    return xs.length < 3 ? null : quantile(xs, 0.5);
  }

  /**
   * Growth of series `key` from a process's 2nd minute (after warm-up) to its last minute: the level it
   * grew from, bytes and ratio (null where either window has fewer than 3 samples).
   */
  growth(pid: number, key: MemorySeries): { from: number; bytes: number; ratio: number } | null {
    const p = this.byPid.get(pid);
    if (!p) return null;
    const s0 = this.median(pid, p.first + MINUTE, p.first + 2 * MINUTE, key);
    const s1 = this.median(pid, p.last - MINUTE, p.last + 1, key);
    return s0 === null || s1 === null ? null : { from: s0, bytes: s1 - s0, ratio: s0 > 0 ? s1 / s0 - 1 : 0 };
  }

  /** Each process: its slot and the times of its first and last samples. */
  processes(): Array<{ pid: number; slot: number; first: number; last: number }> {
    return [...this.byPid].map(([pid, p]) => ({ pid, slot: p.slot, first: p.first, last: p.last }));
  }
}
