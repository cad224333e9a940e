/**
 * A daemon's libp2p byte counters, sampled over a run in which it may be killed and restarted.
 * The counters live in the process and start from 0 again at every restart, so bytes are only
 * ever differenced within one process: per process, last sample − first sample, over the rounds
 * between them. Summing those spans gives bytes and rounds that cover exactly the same rounds, to
 * set against the update bytes the node logged for those rounds.
 */

/** One /status reading: the process, the round it was in, and its counters. */
export interface WireSample {
  readonly pid: number;
  readonly round: number;
  readonly counters: Readonly<Record<string, number>>;
}

/** Rounds [from, to) one process ran between its first and last sample, and the bytes it moved. */
export interface WireSpan {
  readonly pid: number;
  readonly from: number;
  readonly to: number;
  readonly bytes: Readonly<Record<string, number>>;
}

export class WireMeter {
  private readonly spans = new Map<number, { first: WireSample; last: WireSample }>();

  add(s: WireSample): void {
    const span = this.spans.get(s.pid);
    if (!span) this.spans.set(s.pid, { first: s, last: s });
    else if (s.round >= span.last.round) span.last = s;
  }

  /** Spans with at least one round between their samples. */
  list(): WireSpan[] {
    const out: WireSpan[] = [];
    for (const [pid, { first, last }] of this.spans) {
      if (last.round <= first.round) continue;
      const bytes: Record<string, number> = {};
      for (const [k, v] of Object.entries(last.counters)) bytes[k] = v - (first.counters[k] ?? 0);
      out.push({ pid, from: first.round, to: last.round, bytes });
    }
    return out;
  }
}

/** Sum of the counters whose label contains `protocol` and ends with `dir` (libp2p's "<protocol> sent"). */
type Counters = Readonly<Record<string, number>>;

export function protocolBytes(counters: Counters, protocol: string, dir: 'sent' | 'received'): number {
  let sum = 0;
  for (const [k, v] of Object.entries(counters)) if (k.includes(protocol) && k.endsWith(dir)) sum += v;
  return sum;
}
