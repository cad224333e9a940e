import type { Attack } from './types.ts';

/** label ↦ numClasses − 1 − label, as a new array of the same type. */
export function flipLabels<T extends Uint8Array | Int32Array>(labels: T, numClasses: number): T {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`numClasses must be a positive integer, got ${numClasses}`);
  const out = labels.slice() as T;
  for (let i = 0; i < out.length; i++) {
    const y = out[i]!;
    if (y < 0 || y >= numClasses) throw new Error(`label ${y} at index ${i} is outside [0, ${numClasses})`);
    out[i] = numClasses - 1 - y;
  }
  return out;
}

/**
 * Label flipping is a data attack: the trainer applies flipLabels to the attacker's
 * training labels, and the vector sent is the model trained on them (a copy of ctx.self).
 */
export function labelFlipAttack(): Attack {
  return { name: 'label-flip', kind: 'data', craft: (ctx) => Float32Array.from(ctx.self) };
}
