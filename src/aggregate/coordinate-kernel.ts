/**
 * Compiled per-coordinate order-statistic kernels for a fixed number of inputs n.
 *
 * For each coordinate the kernel loads the n values as order-preserving int32 keys into
 * local variables, runs a pruned sorting network on them with branch-free compare-exchanges
 * and writes the median or the trimmed mean. The code is generated once per (n, statistic)
 * because a network over n named locals lets V8 keep values in registers and drop every
 * bounds check; a loop over a scratch array is about twice as slow. The generated source
 * only ever contains integer literals derived from n and the trim count.
 *
 * Keys: float bits b ↦ b ^ ((b >> 31) & 0x7fffffff) is its own inverse and makes signed
 * int order match float order (−0 just below +0; NaNs sort beyond ±∞ by their sign bit,
 * so a NaN is treated as an extreme value and trimmed away like any outlier).
 */
import { sortingNetwork, pruneNetwork } from './network.ts';

export type OrderStatistic = { kind: 'median' } | { kind: 'trimmed-mean'; trim: number };

/** Reads int32 views of the inputs, writes one float per coordinate. `bits`/`values` are a 2-slot reinterpretation buffer. */
type Kernel = (inputs: readonly Int32Array[], out: Float32Array, bits: Int32Array, values: Float32Array) => void;

/** Above this many inputs the generated code grows too large; callers use the select path. */
export const MAX_KERNEL_INPUTS = 64;

const cache = new Map<string, Kernel>();

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Output wires to keep sorted, and the wires whose decoded values produce the result. */
function plan(n: number, stat: OrderStatistic): { network: Int32Array; resultWires: number[] } {
  if (stat.kind === 'median') {
    const resultWires = n % 2 === 1 ? [(n - 1) / 2] : [n / 2 - 1, n / 2];
    return { network: pruneNetwork(sortingNetwork(n), resultWires), resultWires };
  }
  const b = stat.trim;
  const middle = range(b, n - b);
  if (b === 0) return { network: new Int32Array(0), resultWires: middle };
  // Either isolate the middle or isolate the 2b extremes: in both cases the middle
  // wires end up holding exactly the middle values, so take the cheaper network.
  const full = sortingNetwork(n);
  const byMiddle = pruneNetwork(full, middle);
  const byExtremes = pruneNetwork(full, [...range(0, b), ...range(n - b, n)]);
  return { network: byExtremes.length < byMiddle.length ? byExtremes : byMiddle, resultWires: middle };
}

function generateSource(n: number, stat: OrderStatistic): string {
  const { network, resultWires } = plan(n, stat);
  const used = new Set<number>(resultWires);
  for (const w of network) used.add(w);
  const wires = [...used].sort((a, b) => a - b);
  const decode = (w: number, slot: number): string => `bits[${slot}] = a${w} ^ ((a${w} >> 31) & 0x7fffffff);`;
  const lines: string[] = ['"use strict";'];
  for (const w of wires) lines.push(`const v${w} = inputs[${w}];`);
  lines.push('const d = out.length;', 'for (let i = 0; i < d; i++) {');
  for (const w of wires) lines.push(`let a${w} = v${w}[i]; a${w} ^= (a${w} >> 31) & 0x7fffffff;`);
  lines.push('let t = 0;');
  for (let q = 0; q < network.length; q += 2) {
    const lo = network[q]!;
    const hi = network[q + 1]!;
    lines.push(`t = (a${lo} ^ a${hi}) & -(a${hi} < a${lo}); a${lo} ^= t; a${hi} ^= t;`);
  }
  if (stat.kind === 'median' && resultWires.length === 1) {
    lines.push(decode(resultWires[0]!, 0), 'out[i] = values[0];');
  } else if (stat.kind === 'median') {
    lines.push(decode(resultWires[0]!, 0), decode(resultWires[1]!, 1), 'out[i] = (values[0] + values[1]) / 2;');
  } else {
    lines.push('let s = 0;');
    for (const w of resultWires) lines.push(decode(w, 0), 's += values[0];');
    lines.push(`out[i] = s / ${resultWires.length};`);
  }
  lines.push('}');
  return lines.join('\n');
}

export function orderStatisticKernel(n: number, stat: OrderStatistic): Kernel {
  if (!Number.isInteger(n) || n < 1 || n > MAX_KERNEL_INPUTS) throw new Error(`kernel supports 1..${MAX_KERNEL_INPUTS} inputs, got ${n}`);
  const key = stat.kind === 'median' ? `median:${n}` : `trim:${n}:${stat.trim}`;
  let kernel = cache.get(key);
  if (!kernel) {
    kernel = new Function('inputs', 'out', 'bits', 'values', generateSource(n, stat)) as Kernel;
    cache.set(key, kernel);
  }
  return kernel;
}

/** Runs the kernel for `stat` over `vectors` (all of equal length) into a new vector. */
export function runOrderStatistic(vectors: readonly Float32Array[], stat: OrderStatistic): Float32Array {
  const kernel = orderStatisticKernel(vectors.length, stat);
  const out = new Float32Array(vectors[0]!.length);
  const bits = new Int32Array(2);
  kernel(
    vectors.map((v) => new Int32Array(v.buffer, v.byteOffset, v.length)),
    out,
    bits,
    new Float32Array(bits.buffer),
  );
  return out;
}
