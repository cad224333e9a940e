import type { RoundRecord } from '../core/round-record.ts';

/** A node's round as written to JSONL (no wall-clock values, so a seed gives identical files). */
export interface NodeRoundLine extends RoundRecord {
  readonly type: 'node-round';
  readonly index: number;
  readonly byzantine: boolean;
  accuracy?: number;
  testLoss?: number;
}

export interface RoundSummary {
  readonly type: 'round';
  readonly round: number;
  /** Honest nodes that completed this round. */
  readonly nodes: number;
  /** RMS distance of honest models to their mean, each taken as the node closed the round. */
  readonly consensusDistance: number;
  readonly meanAccuracy: number | null;
  readonly minAccuracy: number | null;
  readonly maxAccuracy: number | null;
  readonly evaluated: number;
  /** Mean over honest nodes of bytes sent in this round (payload + metadata). */
  readonly bytesPerNode: number;
  /** Cumulative mean bytes sent per honest node up to and including this round. */
  readonly cumulativeBytesPerNode: number;
  readonly rejected: number;
}

/** Running Σx and Σ‖x‖² per round: the RMS consensus distance without keeping every model. */
export class ConsensusAccumulator {
  private readonly sums = new Map<number, { sum: Float64Array; sq: number; count: number }>();
  private readonly d: number;

  constructor(d: number) {
    this.d = d;
  }

  add(round: number, x: Float32Array): void {
    let acc = this.sums.get(round);
    if (!acc) {
      acc = { sum: new Float64Array(this.d), sq: 0, count: 0 };
      this.sums.set(round, acc);
    }
    let sq = 0;
    const s = acc.sum;
    for (let i = 0; i < this.d; i++) {
      const v = x[i]!;
      s[i]! += v;
      sq += v * v;
    }
    acc.sq += sq;
    acc.count++;
  }

  distance(round: number): number {
    const acc = this.sums.get(round);
    if (!acc || acc.count === 0) return NaN;
    let meanSq = 0;
    for (let i = 0; i < this.d; i++) {
      const m = acc.sum[i]! / acc.count;
      meanSq += m * m;
    }
    return Math.sqrt(Math.max(0, acc.sq / acc.count - meanSq));
  }
}

export function summariseRounds(lines: readonly NodeRoundLine[], consensus: ConsensusAccumulator): RoundSummary[] {
  const byRound = new Map<number, NodeRoundLine[]>();
  for (const l of lines) if (!l.byzantine) (byRound.get(l.round) ?? byRound.set(l.round, []).get(l.round)!).push(l);
  let cumulative = 0;
  return [...byRound.keys()]
    .sort((a, b) => a - b)
    .map((round) => {
      const ls = byRound.get(round)!;
      const accs = ls.filter((l) => l.accuracy !== undefined).map((l) => l.accuracy!);
      const bytes = ls.reduce((s, l) => s + l.bytesSentPayload + l.bytesSentMeta, 0) / ls.length;
      cumulative += bytes;
      const rejected = ls.reduce((s, l) => s + Object.values(l.rejected).reduce((a, b) => a + b, 0), 0);
      return roundSummary(round, ls.length, consensus.distance(round), accs, bytes, cumulative, rejected);
    });
}

/** One round's summary line from its totals (the same fields whether lines are kept or only summed). */
export function roundSummary(
  round: number,
  nodes: number,
  consensusDistance: number,
  accs: readonly number[],
  bytesPerNode: number,
  cumulativeBytesPerNode: number,
  rejected: number,
): RoundSummary {
  return {
    type: 'round',
    round,
    nodes,
    consensusDistance,
    meanAccuracy: accs.length ? accs.reduce((a, b) => a + b, 0) / accs.length : null,
    minAccuracy: accs.length ? Math.min(...accs) : null,
    maxAccuracy: accs.length ? Math.max(...accs) : null,
    evaluated: accs.length,
    bytesPerNode,
    cumulativeBytesPerNode,
    rejected,
  };
}
