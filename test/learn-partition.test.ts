import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelHistogram } from '../src/learn/dataset.ts';
import { partition } from '../src/learn/partition.ts';
import { Rng } from '../src/util/rng.ts';

const rng = new Rng(11);
const labels = Uint8Array.from({ length: 6000 }, () => rng.int(10));

function assertDisjointCover(parts: Int32Array[], n: number): void {
  const seen = new Uint8Array(n);
  for (const p of parts)
    for (const i of p) {
      assert.equal(seen[i], 0, `index ${i} assigned twice`);
      seen[i] = 1;
    }
  assert.ok(
    seen.every((s) => s === 1),
    'every sample is assigned',
  );
}

/** Mean over nodes of the share of the node's most common class. */
function dominance(parts: Int32Array[]): number {
  return (
    parts.reduce((acc, p) => {
      const h = labelHistogram(
        Array.from(p, (i) => labels[i]!),
        10,
      );
      return acc + Math.max(...h) / p.length;
    }, 0) / parts.length
  );
}

for (const spec of [
  { type: 'iid' },
  { type: 'dirichlet', alpha: 0.1 },
  { type: 'dirichlet', alpha: 10 },
  { type: 'shards', classesPerNode: 2 },
] as const) {
  test(`${JSON.stringify(spec)}: disjoint, covering, reproducible`, () => {
    const a = partition(spec, labels, 10, 20, 5);
    assert.equal(a.length, 20);
    assertDisjointCover(a, labels.length);
    assert.deepEqual(a, partition(spec, labels, 10, 20, 5));
    assert.notDeepEqual(a, partition(spec, labels, 10, 20, 6));
  });
}

test('iid is balanced and unskewed', () => {
  const parts = partition({ type: 'iid' }, labels, 10, 16, 1);
  const sizes = parts.map((p) => p.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  assert.ok(dominance(parts) < 0.2, `dominance ${dominance(parts)}`);
});

test('dirichlet α=0.1 is strongly skewed, α=100 is close to iid', () => {
  const skewed = dominance(partition({ type: 'dirichlet', alpha: 0.1 }, labels, 10, 16, 1));
  const mild = dominance(partition({ type: 'dirichlet', alpha: 100 }, labels, 10, 16, 1));
  assert.ok(skewed > 0.6, `α=0.1 dominance ${skewed}`);
  assert.ok(mild < 0.2, `α=100 dominance ${mild}`);
});

test('shards(k) gives each node at most k classes (plus boundary spill)', () => {
  const parts = partition({ type: 'shards', classesPerNode: 2 }, labels, 10, 20, 3);
  for (const p of parts) {
    const classes = labelHistogram(
      Array.from(p, (i) => labels[i]!),
      10,
    ).filter((c) => c > 0).length;
    assert.ok(classes <= 4, `${classes} classes`);
  }
  assert.ok(dominance(parts) > 0.45);
});
