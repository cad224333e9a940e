import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  DEFAULT_ORDERS,
  logErfc,
  noiseMultiplierFor,
  rdpSampledGaussianStep,
  sgmEpsilon,
} from '../src/privacy/accountant.ts';
import { PrivacyLedger } from '../src/privacy/ledger.ts';

const within = (actual: number, expected: number, rel: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= rel * expected, `${what}: ${actual} vs ${expected} (±${rel * 100}%)`);

// TF-Privacy tutorials/README.md "Select Parameters" table: MNIST, n = 60000, 256 records per
// step, δ = 1e-5, RDP accountant with the 1.1…10.9, 12…63 orders and the classic conversion.
const mnistSteps = (epochs: number): number => Math.floor((epochs * 60000) / 256);
const published: Array<[sigma: number, epochs: number, epsilon: number]> = [
  [1.12, 60, 2.92],
  [0.6, 30, 9.74],
  [1.2, 10, 1.2],
];

test('accountant reproduces the published TF-Privacy MNIST values within 2%', () => {
  for (const [sigma, epochs, epsilon] of published) {
    const r = sgmEpsilon({ q: 256 / 60000, sigma, steps: mnistSteps(epochs), delta: 1e-5, conversion: 'classic' });
    within(r.epsilon, epsilon, 0.02, `σ=${sigma}, ${epochs} epochs`);
  }
  // The setting usually quoted from the same tutorial, σ = 1.1 for 60 epochs: ε ≈ 3.0.
  const tutorial = sgmEpsilon({
    q: 256 / 60000,
    sigma: 1.1,
    steps: mnistSteps(60),
    delta: 1e-5,
    conversion: 'classic',
  });
  within(tutorial.epsilon, 3.0, 0.02, 'σ=1.1');
});

test('the improved conversion is never worse than the classic one, and is what the ledger reports', () => {
  for (const [sigma, epochs] of published) {
    const s = { q: 256 / 60000, sigma, steps: mnistSteps(epochs), delta: 1e-5 };
    const improved = sgmEpsilon(s).epsilon;
    const classic = sgmEpsilon({ ...s, conversion: 'classic' }).epsilon;
    assert.ok(improved < classic && improved > 0.7 * classic, `${improved} vs ${classic}`);
    const ledger = new PrivacyLedger({ q: s.q, sigma, delta: s.delta }, s.steps);
    assert.equal(ledger.epsilon, improved);
  }
});

test('fractional orders agree with the integer formula at and next to integers', () => {
  for (const [q, sigma] of [
    [0.01, 1.1],
    [0.1, 0.8],
    [0.004, 4],
    [0.5, 2],
  ] as const) {
    for (const a of [2, 3, 5, 8, 16, 32]) {
      const exact = rdpSampledGaussianStep(q, sigma, a);
      for (const near of [a - 1e-7, a + 1e-7])
        within(rdpSampledGaussianStep(q, sigma, near), exact, 1e-5, `q=${q} σ=${sigma} α≈${a}`);
    }
  }
});

test('RDP is increasing in the order and matches the closed forms at q = 1 and small q', () => {
  let prev = 0;
  for (const a of DEFAULT_ORDERS) {
    const r = rdpSampledGaussianStep(0.02, 1.3, a);
    assert.ok(r >= prev, `order ${a}`);
    prev = r;
  }
  // q = 1 is the plain Gaussian mechanism: α / (2σ²).
  assert.equal(rdpSampledGaussianStep(1, 2, 3.5), 3.5 / 8);
  // At α = 2 the binomial sum has the closed form log(1 + q²(e^{1/σ²} − 1)).
  const q = 0.003;
  const sigma = 1.5;
  within(rdpSampledGaussianStep(q, sigma, 2), Math.log1p(q * q * Math.expm1(1 / (sigma * sigma))), 1e-9, 'α = 2');
});

test('log erfc is right in the tails where erfc underflows', () => {
  for (const [x, expected] of [
    [0, Math.log(1)],
    [1, Math.log(0.15729920705028513)],
    [3, Math.log(2.209049699858544e-5)],
    [-2, Math.log(1.9953222650189528)],
  ] as const)
    assert.ok(Math.abs(logErfc(x) - expected) < 1e-6, `x = ${x}`);
  // erfc(40) ≈ 1.5e-697 underflows a double; its log follows −x² − log(x√π) − 1/(2x²).
  const x = 40;
  assert.ok(Math.abs(logErfc(x) - (-x * x - Math.log(x) - 0.5 * Math.log(Math.PI) - 1 / (2 * x * x))) < 1e-5);
});

test('noiseMultiplierFor inverts the accountant', () => {
  const target = { q: 0.064, steps: 400, delta: 1e-5, epsilon: 4 };
  const sigma = noiseMultiplierFor(target);
  assert.ok(sgmEpsilon({ ...target, sigma }).epsilon <= 4);
  assert.ok(sgmEpsilon({ ...target, sigma: sigma - 0.01 }).epsilon > 4);
});

test('ledger: canSpend refuses the round that would pass targetEpsilon', () => {
  const ledger = new PrivacyLedger({ q: 0.05, sigma: 1.5, delta: 1e-5, targetEpsilon: 2 });
  let rounds = 0;
  while (ledger.canSpend(10)) {
    ledger.spend(10);
    rounds++;
  }
  assert.ok(rounds > 3, `rounds ${rounds}`);
  assert.ok(ledger.epsilon <= 2);
  assert.ok(ledger.epsilonAfter(ledger.steps + 10).epsilon > 2);
});

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['src/cli/main.ts', 'privacy', ...args], { encoding: 'utf8', timeout: 60_000 });

test('gossiplearn privacy prints ε for the TF-Privacy tutorial setting', () => {
  const setting = ['--q', String(256 / 60000), '--sigma', '1.1', '--steps', String(mnistSteps(60)), '--delta', '1e-5'];
  const r = cli(...setting, '--conversion', 'classic');
  assert.equal(r.status, 0, r.stderr);
  const m = /epsilon = ([0-9.]+) at delta = 0\.00001 \(best RDP order ([0-9.]+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  within(Number(m[1]), 3.0, 0.02, 'CLI ε');
  const t = cli('--q', '0.064', '--steps', '400', '--delta', '1e-5', '--target-epsilon', '4');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /sigma = 1\.7\d+ \(smallest noise multiplier with ε ≤ 4\)/);
});

test('gossiplearn privacy: --help explains the accountant; bad input is one line naming the option, exit 2', () => {
  const h = cli('--help');
  assert.equal(h.status, 0);
  assert.match(h.stdout, /Poisson sampling/);
  assert.match(h.stdout, /Mironov, Talwar & Zhang 2019/);
  assert.match(h.stdout, /improved/);
  const bad = cli('--q', '1.5', '--sigma', '1', '--steps', '10', '--delta', '1e-5');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: privacy: q: .*1\.5/m);
  const both = cli('--q', '0.1', '--steps', '10', '--delta', '1e-5');
  assert.equal(both.status, 2);
  assert.match(both.stderr, /sigma: give exactly one of --sigma and --target-epsilon/);
});
