/**
 * Rényi-DP accountant for the sampled Gaussian mechanism (SGM): each step releases
 * Σ_{i ∈ batch} clip(g_i, C) + N(0, σ²C²I) where every record joins the batch independently with
 * probability q (Poisson sampling), under add/remove-one adjacency.
 *
 * RDP of one step at order α (Mironov, Talwar & Zhang 2019, "Rényi Differential Privacy of the
 * Sampled Gaussian Mechanism"): ε(α) = log(A_α)/(α − 1), with A_α the α-th moment of the privacy
 * loss. For integer α it is the binomial sum (their Sec. 3.3, integer case); for fractional α the
 * two-sided series split at z₀ = σ² log(1/q − 1) + 1/2, evaluated entirely in log space (the erfc
 * factors underflow long before the terms stop mattering). RDP composes by addition over steps.
 * Pure math: no tfjs, no Node modules (core imports it, and core is bundled for the browser).
 */

const LOG_HALF = Math.log(0.5);
const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/** log(e^a + e^b) without overflow. */
export function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

/** log(e^a − e^b) for a ≥ b; −∞ when they are equal. */
export function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (b > a) throw new RangeError(`logSub: ${b} > ${a}`);
  if (a === b) return -Infinity;
  return a + Math.log(-Math.expm1(b - a));
}

/**
 * log(erfc(x)), accurate to ~1e-7 relative everywhere, including x ≫ 1 where erfc itself
 * underflows. Uses the Chebyshev-fitted form erfc(x) = t·exp(−x² + P(t)), t = 1/(1 + x/2), x ≥ 0
 * (Numerical Recipes' erfcc), which is already a logarithm; for x < 0, erfc(x) = 2 − erfc(−x).
 */
export function logErfc(x: number): number {
  if (x < 0) return Math.log(2 - Math.exp(logErfc(-x)));
  if (x > 1e4) return -x * x - Math.log(x) - LOG_SQRT_PI; // leading asymptotic term, exact to 1e-9
  const t = 1 / (1 + 0.5 * x);
  const p =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + p;
}

/** log A_α for integer α ≥ 2: log Σ_k C(α,k) (1−q)^{α−k} q^k exp((k² − k)/(2σ²)). */
function logMomentInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logBinom = 0; // log C(α, 0)
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  for (let k = 0; k <= alpha; k++) {
    if (k > 0) logBinom += Math.log(alpha - k + 1) - Math.log(k);
    logA = logAdd(logA, logBinom + k * logQ + (alpha - k) * log1mQ + (k * k - k) / (2 * sigma * sigma));
  }
  return logA;
}

/**
 * log A_α for fractional α > 1:
 *   A_α = Σ_{i≥0} C(α,i) [
 *           q^i (1−q)^{α−i} e^{(i²−i)/2σ²} ½erfc((i − z₀)/(√2σ))
 *         + q^{α−i} (1−q)^i e^{(j²−j)/2σ²} ½erfc((z₀ − j)/(√2σ))], j = α − i.
 * C(α,i) changes sign once i > α, so the two partial sums are kept as log-magnitudes with signed log-space
 * updates; the series stops once both new terms are below e^-30 of the leading ones.
 */
function logMomentFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const s2 = Math.SQRT2 * sigma;
  let logAbsBinom = 0;
  let sign = 1;
  for (let i = 0; ; i++) {
    if (i > 0) {
      const factor = (alpha - i + 1) / i;
      if (factor < 0) sign = -sign;
      logAbsBinom += Math.log(Math.abs(factor));
    }
    const j = alpha - i;
    const twoS2 = 2 * sigma * sigma;
    const logS0 = logAbsBinom + i * logQ + j * log1mQ + (i * i - i) / twoS2 + LOG_HALF + logErfc((i - z0) / s2);
    const logS1 = logAbsBinom + j * logQ + i * log1mQ + (j * j - j) / twoS2 + LOG_HALF + logErfc((z0 - j) / s2);
    if (sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (i > alpha && Math.max(logS0, logS1) < -30) break;
    if (i > 100_000) throw new Error(`RDP series did not converge (q=${q}, σ=${sigma}, α=${alpha})`);
  }
  return logAdd(logA0, logA1);
}

/** RDP ε(α) of one step of the sampled Gaussian mechanism (sensitivity 1, noise multiplier σ). */
export function rdpSampledGaussianStep(q: number, sigma: number, alpha: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate q must be in [0, 1], got ${q}`);
  if (!(alpha > 1)) throw new RangeError(`RDP order must be > 1, got ${alpha}`);
  if (!(sigma >= 0)) throw new RangeError(`noise multiplier must be ≥ 0, got ${sigma}`);
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (!Number.isFinite(alpha)) return Infinity;
  const logA = Number.isInteger(alpha) ? logMomentInteger(q, sigma, alpha) : logMomentFractional(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** RDP after `steps` compositions, per order. */
export function rdpSampledGaussian(q: number, sigma: number, steps: number, orders: readonly number[]): number[] {
  return orders.map((a) => steps * rdpSampledGaussianStep(q, sigma, a));
}

/** 1.1, 1.2, …, 10.9, then 12, 13, …, 63: the usual order grid (the same grid Opacus and TF-Privacy use). */
export const DEFAULT_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, k) => 1 + (k + 1) / 10),
  ...Array.from({ length: 52 }, (_, k) => 12 + k),
];

/**
 * RDP → (ε, δ).
 * - `improved` (default): Balle, Barthe, Gaboardi, Hsu & Sato 2020, Thm 21 (also Canonne, Kamath
 *   & Steinke 2020): ε = rdp + log((α−1)/α) − (log δ + log α)/(α − 1). What current Opacus and
 *   TF-Privacy report.
 * - `classic`: Mironov 2017, Prop. 3: ε = rdp + log(1/δ)/(α − 1). Always ≥ the improved value.
 */
export type Conversion = 'improved' | 'classic';

export interface EpsilonResult {
  readonly epsilon: number;
  readonly order: number;
}

export function epsilonFromRdp(
  rdp: readonly number[],
  orders: readonly number[],
  delta: number,
  conversion: Conversion = 'improved',
): EpsilonResult {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  if (rdp.length !== orders.length) throw new RangeError('rdp and orders differ in length');
  let best: EpsilonResult = { epsilon: Infinity, order: NaN };
  const logDelta = Math.log(delta);
  orders.forEach((a, k) => {
    const r = rdp[k]!;
    const eps =
      conversion === 'classic' ? r - logDelta / (a - 1) : r + Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1);
    if (eps < best.epsilon) best = { epsilon: Math.max(0, eps), order: a };
  });
  return best;
}

export interface SgmSetting {
  /** Poisson sampling rate: expected batch size / records. */
  readonly q: number;
  /** Noise standard deviation / sensitivity. */
  readonly sigma: number;
  readonly steps: number;
  readonly delta: number;
  readonly orders?: readonly number[];
  readonly conversion?: Conversion;
}

/** ε spent by `steps` steps of the SGM at δ, minimised over the orders. */
export function sgmEpsilon(s: SgmSetting): EpsilonResult {
  const orders = s.orders ?? DEFAULT_ORDERS;
  if (s.steps === 0) return { epsilon: 0, order: NaN };
  return epsilonFromRdp(rdpSampledGaussian(s.q, s.sigma, s.steps, orders), orders, s.delta, s.conversion);
}

/**
 * The smallest noise multiplier whose ε after `steps` is ≤ `targetEpsilon` (bisection on σ; ε falls
 * monotonically as σ grows). Accurate to `tolerance` in σ.
 */
export function noiseMultiplierFor(
  target: { readonly q: number; readonly steps: number; readonly delta: number; readonly epsilon: number },
  tolerance = 1e-3,
  orders: readonly number[] = DEFAULT_ORDERS,
): number {
  if (!(target.epsilon > 0)) throw new RangeError(`target epsilon must be > 0, got ${target.epsilon}`);
  const eps = (sigma: number): number =>
    sgmEpsilon({ q: target.q, sigma, steps: target.steps, delta: target.delta, orders }).epsilon;
  let lo = 0.05;
  let hi = 1;
  while (eps(hi) > target.epsilon) {
    lo = hi;
    hi *= 2;
    if (hi > 1e5) throw new RangeError(`no noise multiplier ≤ 1e5 reaches ε = ${target.epsilon}`);
  }
  while (hi - lo > tolerance) {
    const mid = (lo + hi) / 2;
    if (eps(mid) > target.epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}
