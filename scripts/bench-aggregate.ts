/**
 * Aggregation benchmark: time of every rule for n inputs ({self} + n − 1 received) of
 * dimension d, as a ratio to the memory-bound floor: one pass that sums the n inputs
 * (weightedSum with unit coefficients, which reads four inputs per pass over the output, so
 * the plain mean sits at ~1.0). Each entry is the best of a few repetitions after a warm-up
 * run (fewer at d = 1M). krum / multi-krum compute all pairwise distances, O(n²·d): their
 * ratio grows linearly with n. geomed and centered-clip are iterative (2 passes per step).
 *
 *   node_modules/.bin/node scripts/bench-aggregate.ts
 */
import { getRule, ruleNames, weightedSum } from '../src/aggregate/index.ts';
import type { RuleOptions } from '../src/aggregate/index.ts';
import { Rng } from '../src/util/rng.ts';
import { scriptArgs } from './lib/args.ts';

scriptArgs({
  script: import.meta.url,
  summary:
    'Time of every aggregation rule for n = 8, 16, 32 inputs at d = 100k and 1M, as a ratio to one summing pass.',
  options: {},
});

const INPUT_COUNTS = [8, 16, 32];
const DIMENSIONS = [100_000, 1_000_000];
const TARGET_RATIO = 5;
const TARGET_RULES = new Set(['median', 'trimmed-mean']);

function bestTimeMs(run: () => unknown, reps: number): number {
  run();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

type Column = { n: number; d: number; f: number; floorMs: number; ms: Map<string, number> };

function measure(pool: Float32Array[], n: number, d: number): Column {
  const reps = d >= 1_000_000 ? 2 : 5;
  const inputs = pool.slice(0, n).map((v) => v.subarray(0, d));
  const [self, ...received] = inputs;
  const weights = received.map(() => 1 / n);
  const f = n / 8;
  const opts: RuleOptions = { f, selfDegree: n - 1, neighbourDegrees: received.map(() => n - 1) };
  const ones = new Float64Array(n).fill(1);
  const floorMs = bestTimeMs(() => weightedSum(inputs, ones), reps + 3);
  const ms = new Map<string, number>();
  for (const name of ruleNames) {
    const rule = getRule(name);
    ms.set(
      name,
      bestTimeMs(() => rule(self!, received, weights, opts), reps),
    );
  }
  return { n, d, f, floorMs, ms };
}

function table(columns: Column[]): string {
  const head = ['rule', ...columns.map((c) => `n=${c.n} d=${c.d >= 1e6 ? `${c.d / 1e6}M` : `${c.d / 1e3}k`}`)];
  const rows = [
    ['floor (ms)', ...columns.map((c) => c.floorMs.toFixed(2))],
    ...ruleNames.map((name) => [name, ...columns.map((c) => (c.ms.get(name)! / c.floorMs).toFixed(2))]),
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  return [
    line(head),
    '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}

const started = performance.now();
const rng = new Rng(2024);
const maxD = Math.max(...DIMENSIONS);
const pool = Array.from({ length: Math.max(...INPUT_COUNTS) }, () =>
  Float32Array.from({ length: maxD }, () => rng.gaussian()),
);

const columns: Column[] = [];
for (const d of DIMENSIONS) for (const n of INPUT_COUNTS) columns.push(measure(pool, n, d));

console.log(`Aggregation time / floor (one pass summing the n inputs), f = n/8, best of 5 (100k) or 2 (1M) runs`);
console.log(`krum and multi-krum are O(n²·d) (all pairwise distances); the other rules are O(n·d) per pass\n`);
console.log(table(columns));
const misses = columns.flatMap((c) =>
  [...TARGET_RULES].filter((r) => c.ms.get(r)! / c.floorMs > TARGET_RATIO).map((r) => `${r} n=${c.n} d=${c.d}`),
);
console.log(
  `\nmedian / trimmed-mean within ${TARGET_RATIO}x of the floor: ` +
    (misses.length === 0 ? 'yes' : `no (${misses.join(', ')})`),
);
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
