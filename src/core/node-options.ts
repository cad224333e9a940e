import type { LocalLearner, Clock, Transport } from './interfaces.ts';
import type { NodeConfig } from './config.ts';
import type { ParamLayout } from '../learn/layout.ts';
import type { OuterState } from './outer-optimizer.ts';
import type { OutgoingPolicy } from './outgoing-policy.ts';
import type { RoundRecord } from './round-record.ts';

export interface LearningNodeOptions {
  readonly config: NodeConfig;
  readonly layout: ParamLayout;
  readonly specHash: string;
  readonly params: Float32Array;
  readonly clock: Clock;
  readonly transport: Transport;
  readonly learner: LocalLearner;
  readonly seed: number;
  readonly startRound?: number;
  /**
   * The public copy every neighbour starts from (e.g. the shared seeded init). Without it, the
   * node's first update is a keyframe carrying the full model.
   */
  readonly sharedInitialCopy?: Float32Array;
  /**
   * Seed-built first public copies: each node's independent initialisation is a function of its
   * init seed, so a neighbour can build x̂_j(0) itself instead of receiving a full-model keyframe.
   * Returns peer j's initial model (this node's own included), or undefined when it cannot.
   */
  readonly initialCopyOf?: (peer: string) => Float32Array | undefined;
  /** What an attacker publishes and how it keeps its model (see outgoing-policy.ts); absent: honest. */
  readonly outgoing?: OutgoingPolicy;
  readonly onRound?: (r: RoundRecord) => void;
  readonly onReject?: (from: string, reason: string, detail: string) => void;
  /**
   * Jump ahead when the neighbours are more than `staleness.maxRounds` rounds in front (lower
   * median of their last rounds): a node that rejoins late would otherwise stay stale to them
   * forever, since nobody waits for it and it runs no faster than they do. Off in the simulator.
   */
  readonly catchUp?: boolean;
  /**
   * Required with `config.privacy`: the Poisson sampling rate of this node's DP steps (batchSize /
   * shard size) and the steps already spent in earlier runs (a restarted daemon must not forget them).
   */
  readonly privacy?: { readonly samplingRate: number; readonly stepsSpent?: number };
  /** Called after each round's DP steps, before anything derived from them is published. */
  readonly onPrivacySpent?: (steps: number, epsilon: number) => void;
  /** Called once, when the next round would take ε past `targetEpsilon`. */
  readonly onPrivacyBudgetReached?: (epsilon: number, round: number) => void;
  /**
   * Availability (the simulator's `availability`): in a round where this returns false the node
   * neither trains, publishes nor aggregates; it only waits for the round's quorum or deadline.
   */
  readonly participates?: (round: number) => boolean;
  /** MoDeST: the last round to aggregate (its aggregators hand the model to nobody). */
  readonly lastRound?: number;
}

export interface NodeState {
  readonly round: number;
  readonly params: Float32Array;
  readonly publicCopy: Float32Array;
  readonly seq: number;
  /** The outer optimizer's θ_outer and momentum (only with `config.outer`). */
  readonly outer?: OuterState;
}

/** How the node judges one neighbour: `silent` ones do not count toward the quorum. */
export interface NeighbourLiveness {
  readonly peer: string;
  readonly silent: boolean;
  /** Clock time of the last accepted update or resync; null before any. */
  readonly lastHeardAt: number | null;
  readonly lastRound: number | null;
  /** Rounds in a row closed by deadline without hearing from it. */
  readonly missedDeadlines: number;
}

export type NodePhase = 'idle' | 'syncing' | 'training' | 'collecting' | 'stopped';
