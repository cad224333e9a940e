/** One node's account of one round: what the simulator and the daemon write as JSONL. */
export interface RoundRecord {
  readonly node: string;
  readonly round: number;
  readonly startedAt: number;
  readonly publishedAt: number;
  readonly closedAt: number;
  readonly closedBy: 'quorum' | 'deadline';
  /** The collection deadline in force when the round closed (ms after publishing). */
  readonly deadlineMs?: number;
  readonly trainLoss: number;
  /** Neighbour models that went into the aggregate. */
  readonly used: number;
  readonly staleDropped: number;
  readonly accepted: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly resyncs: number;
  /** Full-model CHOCO keyframes this node sent in the round. */
  readonly keyframes: number;
  readonly bytesSentPayload: number;
  readonly bytesSentMeta: number;
  readonly bytesRecvPayload: number;
  readonly bytesRecvMeta: number;
  /** MoDeST only: what the node did in this round (trained, or aggregated and handed the model on). */
  readonly role?: 'trainer' | 'aggregator';
  /** Only with a privacy config: ε spent so far (after this round's steps), and whether the budget stopped it. */
  readonly privacy?: PrivacyRecord;
}

export interface PrivacyRecord {
  readonly epsilon: number;
  /** DP steps taken so far (rounds trained × localSteps). */
  readonly steps: number;
  /** targetEpsilon reached: the node no longer trains or publishes. */
  readonly stopped: boolean;
}

/** The fields of a round record that `RoundCounters` counts. */
export type CounterKey =
  | 'accepted'
  | 'rejected'
  | 'resyncs'
  | 'keyframes'
  | 'bytesSentPayload'
  | 'bytesSentMeta'
  | 'bytesRecvPayload'
  | 'bytesRecvMeta';

export class RoundCounters {
  accepted = 0;
  resyncs = 0;
  keyframes = 0;
  private readonly rejected: Record<string, number> = {};
  private sentPayload = 0;
  private sentMeta = 0;
  private recvPayload = 0;
  private recvMeta = 0;

  sent(copies: number, payload: number, meta: number): void {
    this.sentPayload += copies * payload;
    this.sentMeta += copies * meta;
  }

  received(payload: number, meta: number): void {
    this.recvPayload += payload;
    this.recvMeta += meta;
  }

  reject(reason: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }

  snapshot(): Pick<RoundRecord, CounterKey> {
    return {
      accepted: this.accepted,
      rejected: { ...this.rejected },
      resyncs: this.resyncs,
      keyframes: this.keyframes,
      bytesSentPayload: this.sentPayload,
      bytesSentMeta: this.sentMeta,
      bytesRecvPayload: this.recvPayload,
      bytesRecvMeta: this.recvMeta,
    };
  }
}
