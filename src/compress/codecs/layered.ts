/**
 * `layered`: per-layer compression budgets in the spirit of L-GreCo (Alimohammadi et al. 2023).
 * Each round, for every layer's slice, the squared error and size of each candidate are computed
 * (top-k at several densities with fp16 values, scaled sign, warm-started PowerSGD factors at
 * several ranks, dense fp16), and the combination with the least total error whose size fits the
 * byte budget is sent, as a segments payload. The choice is a Lagrangian sweep: each layer takes
 * argmin error + λ·bytes on its own, and λ is the smallest (by bisection) whose total fits.
 * Dense residuals (e.g. while independently initialised models merge, or after a variance
 * rescale) go to sign or low rank, sparse ones to top-k: one fixed codec fits only one of them.
 *
 * Errors ignore fp16 rounding; top-k sizes are estimated (the index varints depend on the gaps).
 */
import { varintSize } from '../bytes.ts';
import { codecOptions, defineCodec, fraction, percent } from '../codec-definition.ts';
import { encodeFp16 } from './fp16.ts';
import { PowerState, lowRankBytes, powerIteration } from './lowrank.ts';
import { loadMatrix } from './lowrank-simd.ts';
import { checkLayout, matrixShape, type CodecLayout } from './powersgd.ts';
import {
  SEGMENT_CODECS,
  decodeSegmentsInto,
  encodeSegments,
  segmentsAdderFor,
  type EncodedSegment,
} from './segments.ts';
import { encodeSign } from './sign.ts';
import { encodeTopK } from './topk.ts';
import { TopKSelector } from '../select.ts';
import { largestSquaresDescending, magnitudeBucket, zeroedMagnitudeCounts } from '../largest-squares.ts';
import { timePhase } from '../../util/phase-clock.ts';

const TOPK_FRACTIONS = [0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.15, 0.2];
const RANKS = [1, 2, 4, 8];
const SIGN_BLOCK = 256;

interface Candidate {
  readonly bytes: number;
  readonly error: number;
  readonly make: () => EncodedSegment;
}

/**
 * ‖x‖², the scaled-sign error Σ_blocks (Σx² − (Σ|x|)²/len) (null below one block) and, for a layer
 * of at least one block, the magnitude histogram of largestSquaresDescending: one pass, each sum
 * with its own terms in ascending order.
 */
function priceDense(part: Float32Array): { energy: number; signError: number | null; counted: boolean } {
  const n = part.length;
  let energy = 0;
  if (n < SIGN_BLOCK) {
    for (let i = 0; i < n; i++) energy += part[i]! * part[i]!;
    return { energy, signError: null, counted: false };
  }
  const bits = new Int32Array(part.buffer, part.byteOffset, n);
  const counts = zeroedMagnitudeCounts();
  let signError = 0;
  for (let b = 0; b < n; b += SIGN_BLOCK) {
    const end = Math.min(n, b + SIGN_BLOCK);
    let abs = 0;
    let sq = 0;
    for (let i = b; i < end; i++) {
      const v = part[i]!;
      const s = v * v;
      energy += s;
      abs += Math.abs(v);
      sq += s;
      counts[magnitudeBucket(bits[i]!)]!++;
    }
    signError += sq - (abs * abs) / (end - b);
  }
  return { energy, signError, counted: true };
}

export class LayeredEncoder {
  private readonly layout: CodecLayout;
  private readonly budgetBytes: number;
  private readonly selector = new TopKSelector();
  /** Warm-started factors per layer and rank (each rank keeps its own, advanced every round). */
  private readonly power: Array<Map<number, PowerState>>;

  constructor(layout: CodecLayout, budget: number) {
    this.layout = layout;
    this.budgetBytes = budget * 4 * layout.totalSize;
    this.power = layout.entries.map((e, k) => {
      const m = matrixShape(e);
      const states = new Map<number, PowerState>();
      for (const r of RANKS) {
        if (m && r <= Math.min(m.rows, m.cols)) states.set(r, new PowerState(m.cols, r, 0x5eed + 31 * k + r));
      }
      return states;
    });
  }

  private candidates(k: number, part: Float32Array, seed: number): Candidate[] {
    const n = part.length;
    const { energy, signError, counted } = priceDense(part);
    const list: Candidate[] = [];
    const values = n;
    // Top-k at every density from the largest squares, summed from the largest down.
    const kMax = Math.max(1, Math.round(TOPK_FRACTIONS[TOPK_FRACTIONS.length - 1]! * n));
    const squares = largestSquaresDescending(part, kMax, counted);
    let kept = 0;
    let upTo = 0;
    for (const f of TOPK_FRACTIONS) {
      const kk = Math.min(kMax, Math.max(1, Math.round(f * n)));
      while (upTo < kk) kept += squares[upTo++]!;
      const bytes = 5 + kk * (2 + varintSize(Math.ceil(n / kk)));
      const make = (): EncodedSegment => ({
        codec: SEGMENT_CODECS.topk,
        values,
        payload: encodeTopK(part, kk, 'fp16', this.selector, seed),
      });
      list.push({ bytes, error: Math.max(0, energy - kept), make });
    }
    if (signError !== null) {
      const bytes = 4 + 4 * Math.ceil(n / SIGN_BLOCK) + Math.ceil(n / 8);
      const make = (): EncodedSegment => ({
        codec: SEGMENT_CODECS.sign,
        values,
        payload: encodeSign(part, SIGN_BLOCK),
      });
      list.push({ bytes, error: Math.max(0, signError), make });
    }
    const m = matrixShape(this.layout.entries[k]!);
    if (m) {
      const simd = loadMatrix(part, m.rows, m.cols);
      for (const [r, state] of this.power[k]!) {
        // P is orthonormal and Q = MᵀP, so ‖M − PQᵀ‖² = ‖M‖² − ‖Q‖².
        const payload = powerIteration(part, m.rows, m.cols, state, 'fp16', simd);
        let q2 = 0;
        for (const v of state.q) q2 += v * v;
        const make = (): EncodedSegment => ({ codec: SEGMENT_CODECS.lowrank, values, payload: payload() });
        list.push({ bytes: lowRankBytes(m.rows, m.cols, r, 'fp16'), error: Math.max(0, energy - q2), make });
      }
    }
    const dense = (): EncodedSegment => ({ codec: SEGMENT_CODECS.fp16, values, payload: encodeFp16(part) });
    list.push({ bytes: 2 * n, error: 0, make: dense });
    return list;
  }

  encode(x: Float32Array, seed: number): Uint8Array {
    const d = this.layout.totalSize;
    if (x.length !== d) throw new RangeError(`layered: ${x.length} values, layout has ${d}`);
    const perLayer = timePhase('pricing', () =>
      this.layout.entries.map((e, k) => this.candidates(k, x.subarray(e.offset, e.offset + e.size), seed + k)),
    );
    const cost = (c: Candidate, lambda: number): number => c.error + lambda * c.bytes;
    const pick = (lambda: number): Candidate[] =>
      perLayer.map((cs) => cs.reduce((best, c) => (cost(c, lambda) < cost(best, lambda) ? c : best)));
    const total = (cs: Candidate[]): number => cs.reduce((s, c) => s + c.bytes, 0);
    let chosen = pick(0);
    if (total(chosen) > this.budgetBytes) {
      chosen = perLayer.map((cs) => cs.reduce((a, c) => (c.bytes < a.bytes ? c : a)));
      // Error per byte spans many decades: bisect log10 λ.
      let lo = -30;
      let hi = 10;
      for (let it = 0; it < 40; it++) {
        const mid = (lo + hi) / 2;
        const cs = pick(10 ** mid);
        if (total(cs) <= this.budgetBytes) {
          chosen = cs;
          hi = mid;
        } else lo = mid;
      }
    }
    return encodeSegments(chosen.map((c) => c.make()));
  }
}

/** Per-layer choice of codec minimising the error within `budget` × the fp32 size. Needs the layout. */
export const layeredCodec = defineCodec({
  name: 'layered',
  id: 8,
  options: codecOptions('layered', { budget: fraction().default(0.04) }),
  decodeInto: decodeSegmentsInto,
  adderFor: segmentsAdderFor,
  create: ({ budget }, layout) => {
    const encoder = new LayeredEncoder(checkLayout(layout, 'layered'), budget);
    return {
      label: `layered(${percent(budget)} of fp32)`,
      unbiased: false,
      contractive: true,
      encode: (x, seed) => encoder.encode(x, seed),
    };
  },
});
