import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySampler } from '../scripts/lib/soak.ts';

const MIN = 60_000;

test("MemorySampler: growth per process and series, from its 2nd minute's median to its last minute's", () => {
  const s = new MemorySampler();
  // Process 10 (slot 0): RSS samples every 5 s for 6 min, 100 → 110 with one outlier per window;
  // heap samples every 20 s, flat.
  for (let t = 0; t <= 6 * MIN; t += 5000) {
    const rss = t < 2 * MIN ? 100 : 110;
    s.add(0, 10, { rss: t === 65_000 || t === 5.5 * MIN ? 999 : rss }, t);
    if (t % 20_000 === 0) s.add(0, 10, { heapUsed: 50, wasm: null }, t);
  }
  // Process 11 (slot 0 again, a restart): its own windows, never mixed with process 10's.
  for (let t = 7 * MIN; t <= 12 * MIN; t += 5000) s.add(0, 11, { rss: 200 }, t);

  const rss = s.growth(10, 'rss')!;
  assert.deepEqual([rss.from, rss.bytes], [100, 10], 'medians ignore one outlier');
  assert.ok(Math.abs(rss.ratio - 0.1) < 1e-12);
  assert.deepEqual(s.growth(10, 'heapUsed'), { from: 50, bytes: 0, ratio: 0 });
  assert.equal(s.growth(10, 'wasm'), null, 'null values are not samples');
  assert.deepEqual(s.growth(11, 'rss'), { from: 200, bytes: 0, ratio: 0 });
  assert.equal(s.growth(12, 'rss'), null, 'unknown process');
  assert.deepEqual(
    s.processes().map((p) => [p.pid, p.slot, p.first, p.last]),
    [
      [10, 0, 0, 6 * MIN],
      [11, 0, 7 * MIN, 12 * MIN],
    ],
  );
});
