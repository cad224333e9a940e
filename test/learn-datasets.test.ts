import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatasetError, labelHistogram } from '../src/learn/dataset.ts';
import {
  gaussianMixture,
  loadCsv,
  loadDataset,
  loadEmbeddedMnist,
  loadIdxPair,
  parseDatasetSpec,
} from '../src/learn/datasets/index.ts';
import { ConfigError } from '../src/util/validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'gl-data-'));

function idx(dims: number[], values: number[], magicType = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = magicType;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

function writeFile(name: string, content: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

test('embedded MNIST holds 10,000 real digits of all ten classes', () => {
  const d = loadEmbeddedMnist();
  assert.equal(d.y.length, 10000);
  assert.deepEqual(d.inputShape, [28, 28, 1]);
  const h = labelHistogram(d.y, 10);
  assert.ok(
    h.every((c) => c > 800),
    `histogram ${h}`,
  );
  const max = d.x.reduce((a, b) => Math.max(a, b), 0);
  assert.ok(max > 0.9 && max <= 1);
});

test('the train/test split is seeded: same seed same split, other seed other split', () => {
  const a = loadDataset(parseDatasetSpec({ type: 'mnist' }), 7);
  const b = loadDataset(parseDatasetSpec({ type: 'mnist' }), 7);
  const c = loadDataset(parseDatasetSpec({ type: 'mnist' }), 8);
  assert.equal(a.train.y.length, 8000);
  assert.equal(a.test.y.length, 2000);
  assert.deepEqual(a.test.y, b.test.y);
  assert.notDeepEqual(a.test.y, c.test.y);
});

test('IDX pairs load raw and gzip, pixels scaled to [0,1]', () => {
  const pixels = Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
  const images = writeFile('img.idx', idx([3, 2, 2], pixels, 0x08).fill(0, 0, 2));
  const labels = writeFile('lbl.idx.gz', gzipSync(idx([3], [0, 2, 1], 0x08)));
  const d = loadIdxPair(images, labels, 3);
  assert.deepEqual(d.inputShape, [2, 2, 1]);
  assert.deepEqual([...d.y], [0, 2, 1]);
  assert.ok(Math.abs(d.x[5]! - 100 / 255) < 1e-6);
});

test('bad IDX files give a DatasetError naming the file and the problem', () => {
  const labels = writeFile('l3.idx', idx([3], [0, 1, 1]));
  const cases: Array<[string, Buffer, RegExp]> = [
    ['magic.idx', Buffer.from([1, 2, 8, 1, 0, 0, 0, 1, 5]), /wrong magic/],
    ['trunc.idx', idx([3, 2, 2], [1, 2, 3, 4, 5]), /truncated: header promises 12 values, file holds 5/],
    ['count.idx', idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), /holds 3 labels but .* holds 2 images/],
    ['type.idx', idx([3, 2, 2], new Array(12).fill(0), 0x0d), /data type 0xd is not supported/],
    ['corrupt.idx.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3]), /gzip data is corrupt/],
  ];
  for (const [name, content, re] of cases) {
    const p = writeFile(name, content);
    assert.throws(
      () => loadIdxPair(p, labels, 10),
      (e: unknown) =>
        e instanceof DatasetError && re.test(e.message) && e.message.includes(name) && !e.message.includes('\n'),
      name,
    );
  }
  assert.throws(() => loadIdxPair(join(dir, 'nope.idx'), labels), /nope\.idx: cannot read file \(ENOENT\)/);
});

test('CSV: numeric features plus a label column, by name or position', () => {
  const p = writeFile('ok.csv', 'a,b,class\n1,2,0\n3,4.5,1\n-1,0,1\n');
  const d = loadCsv(p, { label: 'class' });
  assert.deepEqual(d.inputShape, [2]);
  assert.deepEqual([...d.y], [0, 1, 1]);
  assert.deepEqual([...d.x], [1, 2, 3, 4.5, -1, 0]);
  const q = writeFile('first.csv', 'cat,1,2\ndog,3,4\n');
  const e = loadCsv(q, { label: 0, header: false });
  assert.deepEqual([...e.y], [0, 1]);
  assert.equal(e.numClasses, 2);
});

test('CSV errors name the file, the line and the cell', () => {
  const p = writeFile('bad.csv', 'a,b,label\n1,2,0\n3,x,1\n');
  assert.throws(
    () => loadCsv(p),
    (e: unknown) => e instanceof DatasetError && /bad\.csv: line 3, column 2: "x" is not a number/.test(e.message),
  );
  const r = writeFile('ragged.csv', '1,2,0\n3,1\n');
  assert.throws(() => loadCsv(r), /ragged\.csv: line 2 has 2 cells, expected 3/);
  assert.throws(() => loadCsv(p, { label: 'zzz' }), /no column named "zzz"/);
});

test('synthetic Gaussian mixture: any size, seeded', () => {
  const a = gaussianMixture({ samples: 5000, dim: 16, classes: 4, seed: 3 });
  const b = gaussianMixture({ samples: 5000, dim: 16, classes: 4, seed: 3 });
  assert.equal(a.x.length, 5000 * 16);
  assert.deepEqual(a.x, b.x);
  assert.ok(labelHistogram(a.y, 4).every((c) => c > 1000));
});

test('dataset specs are validated with a one-line message naming the key', () => {
  assert.throws(
    () => parseDatasetSpec({ type: 'mnist', testFraction: 2 }),
    (e: unknown) => e instanceof ConfigError && /testFraction/.test(e.message),
  );
  assert.throws(() => parseDatasetSpec({ type: 'parquet' }), /type/);
});
