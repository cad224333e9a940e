import { z } from 'zod';
import { ConfigError, parseWith } from '../../util/validate.ts';
import type { TrainTest } from '../dataset.ts';
import { loadCsv } from './csv.ts';
import { loadIdxPair } from './idx.ts';
import { loadEmbeddedMnist } from './mnist-embedded.ts';
import { trainTestSplit } from './split.ts';
import { gaussianMixture } from './synthetic.ts';

const testFraction = z.number().gt(0).lt(1).default(0.2);

export const datasetSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('mnist'), testFraction }).strict(),
  z
    .object({
      type: z.literal('idx'),
      trainImages: z.string().min(1),
      trainLabels: z.string().min(1),
      testImages: z.string().min(1).optional(),
      testLabels: z.string().min(1).optional(),
      numClasses: z.number().int().min(2).max(256).default(10),
      testFraction,
    })
    .strict(),
  z
    .object({
      type: z.literal('csv'),
      path: z.string().min(1),
      label: z.union([z.string(), z.number().int().nonnegative()]).optional(),
      header: z.boolean().optional(),
      testFraction,
    })
    .strict(),
  z
    .object({
      type: z.literal('synthetic'),
      samples: z.number().int().min(10).default(20000),
      dim: z.number().int().positive().default(32),
      classes: z.number().int().min(2).max(256).default(10),
      separation: z.number().positive().default(3),
      testFraction,
    })
    .strict(),
]);

export type DatasetSpec = z.output<typeof datasetSpecSchema>;

export function parseDatasetSpec(input: unknown, source = 'dataset'): DatasetSpec {
  return parseWith(datasetSpecSchema, input, source);
}

const cache = new Map<string, TrainTest>();

/**
 * loadDataset, memoised per (spec, seed) within this process: experiment scripts run hundreds of
 * simulations on the same data. Callers must treat the arrays as read-only.
 */
export function loadDatasetCached(spec: DatasetSpec, seed: number): TrainTest {
  const key = `${JSON.stringify(spec)}#${seed}`;
  let data = cache.get(key);
  if (!data) {
    data = loadDataset(spec, seed);
    cache.set(key, data);
  }
  return data;
}

/** Load a dataset and split it; the seed fixes the split (and the synthetic samples). */
export function loadDataset(spec: DatasetSpec, seed: number): TrainTest {
  switch (spec.type) {
    case 'mnist':
      return trainTestSplit(loadEmbeddedMnist(), spec.testFraction, seed);
    case 'idx': {
      const train = loadIdxPair(spec.trainImages, spec.trainLabels, spec.numClasses);
      if ((spec.testImages === undefined) !== (spec.testLabels === undefined))
        throw new ConfigError('dataset.testImages: testImages and testLabels must be given together');
      if (spec.testImages && spec.testLabels) return { train, test: loadIdxPair(spec.testImages, spec.testLabels, spec.numClasses) };
      return trainTestSplit(train, spec.testFraction, seed);
    }
    case 'csv':
      return trainTestSplit(loadCsv(spec.path, { label: spec.label, header: spec.header }), spec.testFraction, seed);
    case 'synthetic':
      return trainTestSplit(gaussianMixture({ ...spec, seed }), spec.testFraction, seed);
  }
}

export { loadCsv, loadIdxPair, loadEmbeddedMnist, gaussianMixture, trainTestSplit };
