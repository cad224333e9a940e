import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatenessWindow, TimerLagProbe } from '../src/core/timer-lag.ts';

test('lateness window: the configured quantile of the last samples, negatives as 0', () => {
  const w = new LatenessWindow({ window: 4, quantile: 0.9 });
  assert.equal(w.current(), 0);
  for (const x of [-3, 2, 1]) w.record(x);
  assert.equal(w.current(), 2);
  for (const x of [50, 7, 8, 9]) w.record(x);
  // The window keeps [50, 7, 8, 9]: the 90th percentile of four is the largest.
  assert.equal(w.current(), 50);
  w.record(1);
  assert.equal(w.current(), 9);
});

test('the probe reports a blocked event loop as timer lag', async () => {
  const probe = new TimerLagProbe({ periodMs: 10, window: 8, quantile: 0.9 });
  probe.start();
  await new Promise((r) => setTimeout(r, 40));
  const blockedUntil = performance.now() + 300;
  while (performance.now() < blockedUntil);
  // The probe's timer was due at most 10 ms into the 300 ms block: it fires ≥ 290 ms late.
  await new Promise((r) => setTimeout(r, 30));
  const lag = probe.lagMs();
  probe.stop();
  assert.ok(lag >= 250, `lag ${lag} ms`);
});
