import { PrivacyLedger } from '../privacy/ledger.ts';
import type { NodeConfig } from './config.ts';
import type { LearningNodeOptions } from './node-options.ts';
import type { PrivacyRecord } from './round-record.ts';

export interface PrivacyHooks {
  /** Poisson sampling rate of the DP steps and the steps already spent in earlier runs. */
  readonly samplingRate: number;
  readonly stepsSpent?: number;
  readonly onSpent?: (steps: number, epsilon: number) => void;
  readonly onReached?: (epsilon: number, round: number) => void;
}

/** A node's ε accounting: whether it may train another round, and what it spent. */
export class PrivacyBudget {
  private readonly ledger: PrivacyLedger;
  private readonly hooks: PrivacyHooks;
  private stoppedValue = false;

  constructor(spec: NonNullable<NodeConfig['privacy']>, hooks: PrivacyHooks) {
    this.hooks = hooks;
    const q = hooks.samplingRate;
    const { noiseMultiplier: sigma, delta, targetEpsilon } = spec;
    this.ledger = new PrivacyLedger({ q, sigma, delta, targetEpsilon }, hooks.stepsSpent ?? 0);
  }

  /** A node's budget from its options (which must give the sampling rate). */
  static forNode(id: string, spec: NonNullable<NodeConfig['privacy']>, o: LearningNodeOptions): PrivacyBudget {
    const given = o.privacy;
    if (!given) throw new Error(`node ${id}: privacy needs LearningNodeOptions.privacy (the sampling rate)`);
    const { onPrivacySpent: onSpent, onPrivacyBudgetReached: onReached } = o;
    return new PrivacyBudget(spec, { ...given, onSpent, onReached });
  }

  get targetEpsilon(): number | null {
    return this.ledger.spec.targetEpsilon ?? null;
  }

  record(): PrivacyRecord {
    return { epsilon: this.ledger.epsilon, steps: this.ledger.steps, stopped: this.stoppedValue };
  }

  /** Whether `steps` more DP steps fit the budget; the first time they do not, the node stops for good. */
  mayTrain(steps: number, round: number): boolean {
    if (!this.stoppedValue && this.ledger.canSpend(steps)) return true;
    if (!this.stoppedValue) {
      this.stoppedValue = true;
      this.hooks.onReached?.(this.ledger.epsilon, round);
    }
    return false;
  }

  spend(steps: number): void {
    this.ledger.spend(steps);
    this.hooks.onSpent?.(this.ledger.steps, this.ledger.epsilon);
  }
}
