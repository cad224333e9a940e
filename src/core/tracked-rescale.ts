/**
 * Variance correction that CHOCO public copies can follow. Rescaling the aggregate (the plain
 * way) moves x by a dense amount every round that top-k deltas cannot deliver, so x − x̂ grows
 * until a keyframe. Here the node rescales its model after the consensus step instead, applies
 * the same per-layer maps to its own public copy when it next publishes, and sends them in the
 * frame (a few bytes per layer) so every receiver rescales its copy identically: x − x̂ is then
 * only multiplied by the scale, never grown by it.
 */
import { applyRescales, varianceRescales } from '../aggregate/variance-correction.ts';
import type { LayerRescale, VarianceTarget } from '../aggregate/variance-correction.ts';
import type { ChocoSender } from '../compress/index.ts';
import type { ParamLayout } from '../learn/layout.ts';

export class TrackedRescale {
  private pending: LayerRescale[] | null = null;
  private readonly layout: ParamLayout;
  private readonly target: VarianceTarget;

  constructor(layout: ParamLayout, target: VarianceTarget) {
    this.layout = layout;
    this.target = target;
  }

  /**
   * Rescale x (after the consensus step) to the target variance of `inputs` and keep the maps to
   * send. While maps are still unsent (a round closed without publishing) x is left as it is.
   */
  afterConsensus(x: Float32Array, inputs: readonly Float32Array[]): void {
    if (this.pending) return;
    const maps = varianceRescales(x, inputs, this.layout, this.target);
    applyRescales(x, this.layout, maps);
    this.pending = maps;
  }

  /** At publish: apply the unsent maps to the node's own public copy; returns them for the frame. */
  takeForPublish(sender: ChocoSender): LayerRescale[] {
    const maps = this.pending ?? [];
    this.pending = null;
    if (maps.length > 0) sender.transformCopy((copy) => applyRescales(copy, this.layout, maps));
    return maps;
  }

  /** Forget unsent maps (a keyframe or a restored state replaces every copy anyway). */
  reset(): void {
    this.pending = null;
  }
}

/** The receiver's side: apply a frame's maps to a public copy. */
export function rescaleApplier(
  layout: ParamLayout,
  maps: readonly LayerRescale[],
): ((copy: Float32Array) => void) | undefined {
  return maps.length > 0 ? (copy) => applyRescales(copy, layout, maps) : undefined;
}
