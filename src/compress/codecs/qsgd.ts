/**
 * `qsgd` (Alistarh et al. 2017): per bucket, value = ‖bucket‖₂ · sign · l / s with the level l drawn
 * by stochastic rounding of |x|·s/‖bucket‖₂, so E[x̂] = x. Codes (l·sign + s, in [0, 2s]) are
 * bit-packed with ceil(log2(2s + 1)) bits each, LSB first.
 * Payload: u16 levels | u32 bucketSize | f32 norm × nBuckets | packed codes.
 */
import { requireAtLeast, requireLength, viewOf } from '../bytes.ts';
import { MAX_U32, codecOptions, defineCodec, intIn } from '../codec-definition.ts';
import { reject } from '../frame-error.ts';
import { UniformFiller } from '../uniform-filler.ts';

export const QSGD_MAX_LEVELS = 32767;
const HEADER = 6;

export function qsgdCodeBits(levels: number): number {
  return 32 - Math.clz32(2 * levels);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Smallest float32 >= v (v finite, >= 0), so that |x| / norm never exceeds 1 after rounding. */
function f32AtLeast(v: number): number {
  f32[0] = v;
  if (f32[0]! < v) u32[0] = u32[0]! + 1;
  return f32[0]!;
}

export function encodeQsgd(x: Float32Array, levels: number, bucketSize: number, seed: number): Uint8Array {
  const d = x.length;
  const s = levels;
  const bitsPer = qsgdCodeBits(s);
  const nBuckets = Math.ceil(d / bucketSize);
  const codesAt = HEADER + 4 * nBuckets;
  const bytes = new Uint8Array(codesAt + Math.ceil((d * bitsPer) / 8));
  const view = viewOf(bytes);
  view.setUint16(0, s, true);
  view.setUint32(2, bucketSize, true);
  const uniforms = new UniformFiller(seed);
  const u = new Float64Array(Math.min(bucketSize, d));
  const bits = new Int32Array(x.buffer, x.byteOffset, d);
  let p = codesAt;
  let acc = 0;
  let nAcc = 0;
  for (let b = 0; b < nBuckets; b++) {
    const start = b * bucketSize;
    const end = Math.min(d, start + bucketSize);
    let sq = 0;
    for (let i = start; i < end; i++) sq += x[i]! * x[i]!;
    // NaN/Inf propagate into the norm, which the decoder rejects.
    const norm = f32AtLeast(Math.sqrt(sq));
    view.setFloat32(HEADER + 4 * b, norm, true);
    const scale = norm > 0 && norm < Infinity ? s / norm : 0;
    uniforms.fill(u, end - start);
    for (let i = start, j = 0; i < end; i++, j++) {
      // Stochastic rounding: floor(y + u) is ceil(y) with probability frac(y). y >= 0, so |0 floors.
      let l = (Math.abs(x[i]!) * scale + u[j]!) | 0;
      l = l > s ? s : l;
      // Branch-free sign (random signs defeat the branch predictor): neg is 0 or -1, code = s ± l.
      const neg = bits[i]! >> 31;
      const code = s + ((l ^ neg) - neg);
      acc |= code << nAcc;
      nAcc += bitsPer;
      while (nAcc >= 8) {
        bytes[p++] = acc & 0xff;
        acc >>>= 8;
        nAcc -= 8;
      }
    }
  }
  if (nAcc > 0) bytes[p] = acc & 0xff;
  return bytes;
}

export function decodeQsgdInto(payload: Uint8Array, out: Float32Array): void {
  const d = out.length;
  requireAtLeast(payload, HEADER, 'qsgd');
  const view = viewOf(payload);
  const s = view.getUint16(0, true);
  const bucketSize = view.getUint32(2, true);
  if (s < 1 || s > QSGD_MAX_LEVELS) reject('bad-payload', `qsgd: levels ${s} outside [1, ${QSGD_MAX_LEVELS}]`);
  if (bucketSize === 0) reject('bad-payload', 'qsgd: bucket size 0');
  const bitsPer = qsgdCodeBits(s);
  const mask = (1 << bitsPer) - 1;
  const maxCode = 2 * s;
  const nBuckets = Math.ceil(d / bucketSize);
  const codesAt = HEADER + 4 * nBuckets;
  requireLength(payload, codesAt + Math.ceil((d * bitsPer) / 8), 'qsgd');
  let p = codesAt;
  let acc = 0;
  let nAcc = 0;
  for (let b = 0; b < nBuckets; b++) {
    const norm = view.getFloat32(HEADER + 4 * b, true);
    if (norm - norm !== 0) reject('non-finite', `qsgd: non-finite norm in bucket ${b}`);
    if (norm < 0) reject('bad-payload', `qsgd: negative norm in bucket ${b}`);
    const step = norm / s;
    const start = b * bucketSize;
    const end = Math.min(d, start + bucketSize);
    for (let i = start; i < end; i++) {
      while (nAcc < bitsPer) {
        acc |= payload[p++]! << nAcc;
        nAcc += 8;
      }
      const code = acc & mask;
      acc >>>= bitsPer;
      nAcc -= bitsPer;
      if (code > maxCode) reject('bad-payload', `qsgd: code ${code} above ${maxCode} at index ${i}`);
      out[i] = (code - s) * step;
    }
  }
}

export const qsgdCodec = defineCodec({
  name: 'qsgd',
  id: 3,
  options: codecOptions('qsgd', { levels: intIn(1, QSGD_MAX_LEVELS), bucketSize: intIn(1, MAX_U32).default(512) }),
  decodeInto: decodeQsgdInto,
  create: ({ levels, bucketSize }) => ({
    label: `qsgd(s=${levels}, bucket ${bucketSize})`,
    unbiased: true,
    // Variance bound ω = min(n/s², √n/s) per bucket of n (Alistarh et al., Lemma 3.1):
    // E‖C(x) − x‖² ≤ ω‖x‖², so it is contractive in expectation exactly when ω < 1.
    contractive: Math.min(bucketSize / levels ** 2, Math.sqrt(bucketSize) / levels) < 1,
    encode: (x, seed) => encodeQsgd(x, levels, bucketSize, seed),
  }),
});
