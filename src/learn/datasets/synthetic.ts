import { Rng } from '../../util/rng.ts';
import { checkDataset, type Dataset } from '../dataset.ts';

export interface GaussianMixtureOptions {
  samples: number;
  dim: number;
  classes: number;
  /** Distance scale between class centres relative to the unit noise. */
  separation?: number;
  seed: number;
}

/** One Gaussian blob per class around a random centre: any size, for scale tests. */
export function gaussianMixture(o: GaussianMixtureOptions): Dataset {
  const rng = new Rng(o.seed);
  const sep = o.separation ?? 3;
  // Random centre directions with norm `sep`: pairwise distances ≈ sep·√2 whatever the dimension.
  const centres = new Float32Array(o.classes * o.dim);
  for (let c = 0; c < o.classes; c++) {
    const row = centres.subarray(c * o.dim, (c + 1) * o.dim);
    let norm = 0;
    for (let j = 0; j < o.dim; j++) {
      row[j] = rng.gaussian();
      norm += row[j]! * row[j]!;
    }
    const k = sep / Math.sqrt(norm);
    for (let j = 0; j < o.dim; j++) row[j]! *= k;
  }
  const x = new Float32Array(o.samples * o.dim);
  const y = new Uint8Array(o.samples);
  for (let s = 0; s < o.samples; s++) {
    const c = rng.int(o.classes);
    y[s] = c;
    for (let j = 0; j < o.dim; j++) x[s * o.dim + j] = centres[c * o.dim + j]! + rng.gaussian();
  }
  return checkDataset(
    { name: `synthetic-gmm-${o.dim}d-${o.classes}c`, x, y, inputShape: [o.dim], numClasses: o.classes },
    'synthetic',
  );
}
