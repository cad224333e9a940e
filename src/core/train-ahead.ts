import type { LocalLearner } from './interfaces.ts';
import type { OuterOptimizer } from './outer-optimizer.ts';

/**
 * Overlap (outer.overlap): the next round's inner steps run on a copy while this round collects;
 * at the close the progress made since publishing is added back with the staleness correction.
 */
export class TrainAhead<Reason> {
  private readonly learner: LocalLearner;
  private readonly outer: OuterOptimizer;
  private ahead: { params: Float32Array; loss: number; done: boolean } | null = null;
  private pendingClose: Reason | null = null;

  constructor(learner: LocalLearner, outer: OuterOptimizer) {
    this.learner = learner;
    this.outer = outer;
  }

  /** Train round + 1 on a copy of `params`; `close` runs a close that had to wait for it. */
  start(round: number, params: Float32Array, current: () => boolean, close: (reason: Reason) => void): void {
    const ahead = { params: params.slice(), loss: NaN, done: false };
    this.ahead = ahead;
    this.learner.train(round + 1, ahead.params, (loss) => {
      if (!current()) return;
      ahead.loss = loss;
      ahead.done = true;
      const reason = this.pendingClose;
      this.pendingClose = null;
      if (reason !== null) close(reason);
    });
  }

  /** Whether a close must wait for the steps still running (the first reason is kept). */
  defer(reason: Reason): boolean {
    if (!this.ahead || this.ahead.done) return false;
    this.pendingClose ??= reason;
    return true;
  }

  /** Before mixing: the model as published, if steps ran ahead. */
  published(params: Float32Array): Float32Array | null {
    return this.ahead ? params.slice() : null;
  }

  /** After mixing: add the inner progress made since publishing. */
  addProgress(round: number, params: Float32Array, published: Float32Array | null): void {
    if (!this.ahead || !published) return;
    const ahead = this.ahead.params;
    for (let i = 0; i < ahead.length; i++) ahead[i] = ahead[i]! - published[i]!;
    this.outer.addInnerProgress(round, params, ahead);
  }

  /** At the next round's start: the loss of the steps that ran ahead (null if none did). */
  take(): number | null {
    if (!this.ahead) return null;
    const loss = this.ahead.loss;
    this.ahead = null;
    return loss;
  }
}
