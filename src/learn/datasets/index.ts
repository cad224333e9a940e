import { ConfigError } from '../../util/validate.ts';
import { sharedCopy, type TrainTest } from '../dataset.ts';
import { loadCsv } from './csv.ts';
import { loadIdxPair } from './idx.ts';
import { loadEmbeddedMnist } from './mnist-embedded.ts';
import { trainTestSplit } from './split.ts';
import { gaussianMixture } from './synthetic.ts';
import { datasetSpecSchema, parseDatasetSpec, type DatasetSpec } from './spec.ts';

export { datasetSpecSchema, parseDatasetSpec, type DatasetSpec };

const cache = new Map<string, TrainTest>();

/**
 * loadDataset, memoised per (spec, seed) within this process: experiment scripts run hundreds of
 * simulations on the same data. The arrays are shared memory (see sharedCopy), so a simulator can
 * hand them to its worker threads without copies. Callers must treat them as read-only.
 */
export function loadDatasetCached(spec: DatasetSpec, seed: number): TrainTest {
  const key = `${JSON.stringify(spec)}#${seed}`;
  let data = cache.get(key);
  if (!data) {
    const loaded = loadDataset(spec, seed);
    data = { train: sharedCopy(loaded.train), test: sharedCopy(loaded.test) };
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
      if (spec.testImages && spec.testLabels)
        return { train, test: loadIdxPair(spec.testImages, spec.testLabels, spec.numClasses) };
      return trainTestSplit(train, spec.testFraction, seed);
    }
    case 'csv':
      return trainTestSplit(loadCsv(spec.path, { label: spec.label, header: spec.header }), spec.testFraction, seed);
    case 'synthetic':
      return trainTestSplit(gaussianMixture({ ...spec, seed }), spec.testFraction, seed);
  }
}

export { loadCsv, loadIdxPair, loadEmbeddedMnist, gaussianMixture, trainTestSplit };
