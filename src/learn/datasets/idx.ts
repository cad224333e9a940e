import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError, checkDataset, type Dataset } from '../dataset.ts';

const UBYTE = 0x08;

interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

function readMaybeGzip(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new DatasetError(path, `cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch {
      throw new DatasetError(path, 'gzip data is corrupt or truncated');
    }
  }
  return raw;
}

/** Parse an IDX file (the MNIST / Fashion-MNIST format); only unsigned-byte payloads are supported. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4) throw new DatasetError(source, `file is ${bytes.length} bytes, too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new DatasetError(source, 'wrong magic number: not an IDX file');
  if (bytes[2] !== UBYTE)
    throw new DatasetError(
      source,
      `IDX data type 0x${bytes[2]!.toString(16)} is not supported (expected 0x08 unsigned byte)`,
    );
  const rank = bytes[3]!;
  if (rank < 1 || rank > 4) throw new DatasetError(source, `IDX rank ${rank} is not between 1 and 4`);
  const headerLen = 4 + 4 * rank;
  if (bytes.length < headerLen) throw new DatasetError(source, 'truncated header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerLen;
  if (available < count)
    throw new DatasetError(source, `truncated: header promises ${count} values, file holds ${available}`);
  if (available > count)
    throw new DatasetError(source, `${available - count} trailing bytes after the ${count} values the header declares`);
  return { dims, data: bytes.subarray(headerLen) };
}

/** Load an images + labels IDX pair (raw or gzip), pixels scaled to [0, 1]. */
export function loadIdxPair(imagesPath: string, labelsPath: string, numClasses = 10): Dataset {
  const images = parseIdx(readMaybeGzip(imagesPath), imagesPath);
  const labels = parseIdx(readMaybeGzip(labelsPath), labelsPath);
  if (images.dims.length < 2)
    throw new DatasetError(imagesPath, `expected an image array of rank ≥ 2, got rank ${images.dims.length}`);
  if (labels.dims.length !== 1)
    throw new DatasetError(labelsPath, `expected a label vector of rank 1, got rank ${labels.dims.length}`);
  if (images.dims[0] !== labels.dims[0])
    throw new DatasetError(
      labelsPath,
      `holds ${labels.dims[0]} labels but ${imagesPath} holds ${images.dims[0]} images`,
    );
  for (let i = 0; i < labels.data.length; i++)
    if (labels.data[i]! >= numClasses)
      throw new DatasetError(labelsPath, `label ${labels.data[i]} at index ${i} is not below ${numClasses}`);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
  const inputShape = images.dims.length === 3 ? [images.dims[1]!, images.dims[2]!, 1] : images.dims.slice(1);
  return checkDataset({ name: imagesPath, x, y: Uint8Array.from(labels.data), inputShape, numClasses }, imagesPath);
}
