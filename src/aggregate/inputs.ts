/** Validation and normalisation of a rule's inputs, shared by every rule. */
import type { RuleOptions } from './types.ts';

export function assertSameLength(self: Float32Array, received: readonly Float32Array[]): void {
  for (let k = 0; k < received.length; k++) {
    if (received[k]!.length !== self.length) {
      throw new Error(`received vector ${k} has length ${received[k]!.length}, expected ${self.length}`);
    }
  }
}

/** {self} ∪ received after checking that every vector has self's length. */
export function candidates(self: Float32Array, received: readonly Float32Array[]): Float32Array[] {
  assertSameLength(self, received);
  return [self, ...received];
}

/**
 * Mixing weights for {self} ∪ received, normalised to sum to 1. The self weight is
 * opts.selfWeight when given, else 1 − Σ weights.
 */
export function mixingWeights(
  received: readonly Float32Array[],
  weights: readonly number[],
  opts: RuleOptions,
): Float64Array {
  if (weights.length !== received.length) {
    throw new Error(`got ${weights.length} weights for ${received.length} received vectors`);
  }
  const out = new Float64Array(received.length + 1);
  let sum = 0;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k]!;
    if (!Number.isFinite(w) || w < 0) throw new Error(`weight ${k} must be a finite number >= 0, got ${w}`);
    out[k + 1] = w;
    sum += w;
  }
  const selfWeight = opts.selfWeight ?? 1 - sum;
  // Tolerate float round-off when the received weights sum to exactly 1.
  out[0] = Math.abs(selfWeight) < 1e-12 ? 0 : selfWeight;
  if (!Number.isFinite(out[0]!) || out[0]! < 0) {
    throw new Error(`self weight must be >= 0, got ${selfWeight} (received weights sum to ${sum})`);
  }
  const total = out[0]! + sum;
  if (total <= 0) throw new Error('mixing weights sum to 0');
  for (let k = 0; k < out.length; k++) out[k] = out[k]! / total;
  return out;
}

/** opts.f as a validated non-negative integer (default 0). */
export function byzantineCount(opts: RuleOptions): number {
  const f = opts.f ?? 0;
  if (!Number.isInteger(f) || f < 0) throw new Error(`f must be a non-negative integer, got ${f}`);
  return f;
}

/** opts.iterations as a validated positive integer, or `fallback`. */
export function iterationCount(opts: RuleOptions, fallback: number): number {
  const t = opts.iterations ?? fallback;
  if (!Number.isInteger(t) || t < 1) throw new Error(`iterations must be a positive integer, got ${t}`);
  return t;
}
