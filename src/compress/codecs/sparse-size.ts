/** How many entries a sparse codec (topk, randk) keeps: a `fraction` of the vector or exactly `k`. */
import type { z } from 'zod';
import { MAX_U32, fraction, intIn, percent } from '../codec-definition.ts';

const DEFAULT_FRACTION = 0.01;

export type SparseSize = { fraction: number } | { k: number };

/** The options shape both sparse codecs share. */
export const sparseSizeOptions = { fraction: fraction().optional(), k: intIn(1, MAX_U32).optional() };

/** Exactly one of fraction / k may be given. */
export function checkSparseSize(c: { fraction?: number; k?: number }, ctx: z.RefinementCtx): void {
  if (c.fraction !== undefined && c.k !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['k'], message: 'must be absent when "fraction" is given (use one of them)' });
  }
}

/** The size a config asks for; neither fraction nor k means the default fraction. */
export function sparseSize(fractionOf: number | undefined, k: number | undefined): SparseSize {
  return k !== undefined ? { k } : { fraction: fractionOf ?? DEFAULT_FRACTION };
}

/** Number of entries kept for a vector of length d. */
export function sparseCount(d: number, size: { fraction?: number; k?: number }): number {
  if (d === 0) return 0;
  if (size.k !== undefined) return Math.min(d, size.k);
  return Math.min(d, Math.max(1, Math.round((size.fraction ?? DEFAULT_FRACTION) * d)));
}

/** "5" for k = 5, "1%" for a fraction of 0.01. */
export function sparseLabel(size: { fraction?: number; k?: number }): string {
  return size.k !== undefined ? String(size.k) : percent(size.fraction ?? DEFAULT_FRACTION);
}
