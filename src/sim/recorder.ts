import type { PrivacyRecord } from '../core/round-record.ts';
import { roundSummary, type ConsensusAccumulator, type NodeRoundLine, type RoundSummary } from '../report/rounds.ts';

/** Where a key first appeared in lines sorted by (round, node index), then by its place in the line. */
type FirstSeen = [round: number, index: number, position: number];

function before(a: FirstSeen, b: FirstSeen): boolean {
  return a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])));
}

interface RoundTally {
  nodes: number;
  bytes: number;
  rejected: number;
}

/** Totals over all honest lines, for the run summary. */
export interface RunTotals {
  readonly honestNodes: number;
  readonly honestBytes: number;
  /** Rejections by reason over all lines, keys in order of first appearance in the sorted JSONL. */
  readonly rejected: Record<string, number>;
  /** Each honest node's privacy record from its last round, in order of the node's first line. */
  readonly lastPrivacy: Array<{ index: number; privacy: PrivacyRecord }>;
}

/**
 * Takes every node-round line as the run produces it and keeps the per-round and per-run sums, so
 * that only the lines that are written need to stay in memory: all of them (`keepAll`), or just the
 * sampled ones (evaluated nodes) for a compact JSONL at large scale. Sums are of integers (bytes,
 * counts) and key orders are those of the sorted lines, so the result does not depend on the order
 * lines arrive in, and equals what summing the full sorted JSONL gives.
 */
export class RunRecorder {
  private readonly keepAll: boolean;
  private readonly kept: NodeRoundLine[] = [];
  private readonly perRound = new Map<number, RoundTally>();
  private readonly rejected = new Map<string, { count: number; first: FirstSeen }>();
  private readonly honest = new Map<number, { first: FirstSeen; privacyRound: number; privacy?: PrivacyRecord }>();
  private honestBytes = 0;
  count = 0;

  constructor(keepAll: boolean) {
    this.keepAll = keepAll;
  }

  add(line: NodeRoundLine, sampled: boolean): void {
    this.count++;
    if (this.keepAll || sampled) this.kept.push(line);
    const at: FirstSeen = [line.round, line.index, 0];
    let position = 0;
    let rejections = 0;
    for (const [reason, n] of Object.entries(line.rejected)) {
      rejections += n;
      const seen: FirstSeen = [line.round, line.index, position++];
      const r = this.rejected.get(reason);
      if (!r) this.rejected.set(reason, { count: n, first: seen });
      else {
        r.count += n;
        if (before(seen, r.first)) r.first = seen;
      }
    }
    if (line.byzantine) return;
    const bytes = line.bytesSentPayload + line.bytesSentMeta;
    this.honestBytes += bytes;
    const t = this.perRound.get(line.round);
    if (t) {
      t.nodes++;
      t.bytes += bytes;
      t.rejected += rejections;
    } else this.perRound.set(line.round, { nodes: 1, bytes, rejected: rejections });
    let h = this.honest.get(line.index);
    if (!h) {
      h = { first: at, privacyRound: -1 };
      this.honest.set(line.index, h);
    } else if (before(at, h.first)) h.first = at;
    if (line.privacy && line.round > h.privacyRound) {
      h.privacyRound = line.round;
      h.privacy = line.privacy;
    }
  }

  /** The kept lines, sorted by round then node index. */
  lines(): NodeRoundLine[] {
    return this.kept.sort((a, b) => a.round - b.round || a.index - b.index);
  }

  /** Per-round summaries (call after every evaluation has landed in its line). */
  rounds(consensus: ConsensusAccumulator): RoundSummary[] {
    const accuracies = new Map<number, number[]>();
    for (const l of this.lines()) {
      if (l.byzantine || l.accuracy === undefined) continue;
      (accuracies.get(l.round) ?? accuracies.set(l.round, []).get(l.round)!).push(l.accuracy);
    }
    let cumulative = 0;
    return [...this.perRound.keys()]
      .sort((a, b) => a - b)
      .map((round) => {
        const t = this.perRound.get(round)!;
        const accs = accuracies.get(round) ?? [];
        const bytes = t.bytes / t.nodes;
        cumulative += bytes;
        return roundSummary(round, t.nodes, consensus.distance(round), accs, bytes, cumulative, t.rejected);
      });
  }

  totals(): RunTotals {
    const rejected: Record<string, number> = {};
    const reasons = [...this.rejected.entries()].sort((a, b) => (before(a[1].first, b[1].first) ? -1 : 1));
    for (const [reason, r] of reasons) rejected[reason] = r.count;
    const nodes = [...this.honest.entries()].sort((a, b) => (before(a[1].first, b[1].first) ? -1 : 1));
    return {
      honestNodes: this.honest.size,
      honestBytes: this.honestBytes,
      rejected,
      lastPrivacy: nodes.flatMap(([index, h]) => (h.privacy ? [{ index, privacy: h.privacy }] : [])),
    };
  }
}
