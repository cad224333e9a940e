import { DEFAULT_ORDERS, epsilonFromRdp, rdpSampledGaussianStep, type EpsilonResult } from './accountant.ts';

export interface LedgerSpec {
  /** Poisson sampling rate of every step. */
  readonly q: number;
  /** Noise multiplier: noise std / sensitivity of the clipped step. */
  readonly sigma: number;
  readonly delta: number;
  readonly targetEpsilon?: number;
}

/**
 * A node's privacy spending: DP steps taken so far and the ε they cost (RDP composed over every
 * local step of every round, converted at δ with the improved conversion). Pure, cheap: the
 * per-step RDP curve is computed once and scaled by the step count.
 */
export class PrivacyLedger {
  readonly spec: LedgerSpec;
  private readonly rdpPerStep: number[];
  private stepsValue: number;

  constructor(spec: LedgerSpec, stepsSpent = 0) {
    this.spec = spec;
    this.rdpPerStep = DEFAULT_ORDERS.map((a) => rdpSampledGaussianStep(spec.q, spec.sigma, a));
    this.stepsValue = stepsSpent;
  }

  get steps(): number {
    return this.stepsValue;
  }

  epsilonAfter(steps: number): EpsilonResult {
    if (steps === 0) return { epsilon: 0, order: NaN };
    return epsilonFromRdp(
      this.rdpPerStep.map((r) => r * steps),
      DEFAULT_ORDERS,
      this.spec.delta,
    );
  }

  get epsilon(): number {
    return this.epsilonAfter(this.stepsValue).epsilon;
  }

  /** Whether `steps` more steps keep ε within the target (always, without one). */
  canSpend(steps: number): boolean {
    const t = this.spec.targetEpsilon;
    return t === undefined || this.epsilonAfter(this.stepsValue + steps).epsilon <= t;
  }

  spend(steps: number): void {
    this.stepsValue += steps;
  }
}
