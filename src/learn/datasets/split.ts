import { Rng } from '../../util/rng.ts';
import { subset, type Dataset, type TrainTest } from '../dataset.ts';

/** Seeded shuffle then split; the same seed always gives the same split. */
export function trainTestSplit(all: Dataset, testFraction: number, seed: number): TrainTest {
  const n = all.y.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  new Rng(seed).shuffle(order);
  const nTest = Math.max(1, Math.round(n * testFraction));
  return {
    train: subset(all, order.subarray(nTest), `${all.name}/train`),
    test: subset(all, order.subarray(0, nTest), `${all.name}/test`),
  };
}
