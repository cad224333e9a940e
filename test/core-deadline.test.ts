import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveDeadline, type DeadlineOptions } from '../src/core/deadline.ts';
import { Rng } from '../src/util/rng.ts';

/** The definition, written the slow way: sort the window, median, median of absolute deviations. */
function reference(delays: number[], o: DeadlineOptions): number {
  if (delays.length === 0) return o.capMs;
  const median = (s: number[]): number =>
    s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  const sorted = [...delays].sort((a, b) => a - b);
  const med = median(sorted);
  const mad = median(sorted.map((d) => Math.abs(d - med)).sort((a, b) => a - b));
  return Math.min(o.capMs, Math.max(o.floorMs, 2 * med, med + o.k * mad));
}

test('adaptive deadline: the sorted window gives exactly the definition, sample after sample', () => {
  const rng = new Rng(5);
  for (const window of [1, 2, 5, 64]) {
    const o = { k: 3, floorMs: 2, capMs: 5000, window, lagFactor: 2 };
    const dl = new AdaptiveDeadline(o);
    const kept: number[] = [];
    for (let i = 0; i < 600; i++) {
      // Repeated values, ties around the median and the odd straggler.
      const x =
        rng.next() < 0.3
          ? Math.round(rng.next() * 5) * 10
          : rng.next() < 0.05
            ? 4000 * rng.next()
            : 20 + 30 * rng.next();
      dl.record(x);
      kept.push(x);
      if (kept.length > window) kept.shift();
      assert.equal(dl.current(), reference(kept, o), `window ${window}, sample ${i}`);
      const lag = 100 * rng.next();
      const lagged = { ...o, floorMs: Math.max(o.floorMs, o.lagFactor * lag) };
      assert.equal(dl.current(lag), reference(kept, lagged), `window ${window}, sample ${i}, lag ${lag}`);
      assert.equal(dl.samples, kept.length);
    }
  }
});

test('adaptive deadline: negative delays count as 0', () => {
  const dl = new AdaptiveDeadline({ k: 3, floorMs: 0, capMs: 100, window: 3, lagFactor: 2 });
  for (const x of [-5, -1, 4]) dl.record(x);
  assert.equal(dl.current(), reference([0, 0, 4], { k: 3, floorMs: 0, capMs: 100, window: 3, lagFactor: 2 }));
});
