/**
 * Codec throughput and compression ratio.
 *   node scripts/bench-compress.ts [--sizes 100000,1000000] [--min-ms 400]
 * Throughput is in million floats per second (d × runs / time), measured after a warm-up on
 * Gaussian data; the ratio is fp32 bytes (4d) over payload bytes.
 */
import { getCodec } from '../src/compress/index.ts';
import type { CodecConfig } from '../src/compress/index.ts';
import { Rng } from '../src/util/rng.ts';
import { scriptArgs } from './lib/args.ts';

const { values: args } = scriptArgs({
  script: import.meta.url,
  summary: 'Codec throughput (million floats/s, encode and decode) and compression ratio against fp32.',
  options: {
    sizes: { type: 'string', default: '100000,1000000', value: 'LIST', description: 'vector sizes, comma-separated' },
    'min-ms': { type: 'string', default: '400', value: 'MS', description: 'measure each codec for at least this long' },
  },
});
const sizes = args.sizes.split(',').map((s) => Number(s.trim()));
const minMs = Number(args['min-ms']);

const CONFIGS: CodecConfig[] = [
  { name: 'none' },
  { name: 'fp16' },
  { name: 'int8' },
  { name: 'qsgd', levels: 1 },
  { name: 'qsgd', levels: 7 },
  { name: 'qsgd', levels: 127 },
  { name: 'topk', fraction: 0.01 },
  { name: 'topk', fraction: 0.01, values: 'fp16' },
  { name: 'topk', fraction: 0.1 },
  { name: 'randk', fraction: 0.01 },
  { name: 'sign' },
];

/** Runs fn repeatedly for at least minMs after a warm-up; returns runs per second. */
function rate(fn: (i: number) => void): number {
  for (let i = 0; i < 3; i++) fn(i);
  let runs = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs || runs < 3) {
    fn(runs);
    runs++;
    t = performance.now();
  }
  return (runs * 1000) / (t - t0);
}

const rows: string[][] = [['d', 'codec', 'encode Mfloat/s', 'decode Mfloat/s', 'ratio vs fp32', 'payload bytes']];
for (const d of sizes) {
  const rng = new Rng(12345);
  const x = new Float32Array(d);
  for (let i = 0; i < d; i++) x[i] = rng.gaussian() * 0.01;
  const out = new Float32Array(d);
  for (const cfg of CONFIGS) {
    const codec = getCodec(cfg);
    const payload = codec.encode(x, 1);
    let sink = 0;
    const enc = rate((i) => {
      sink += codec.encode(x, i).length;
    });
    const dec = rate(() => {
      sink += codec.decodeInto(payload, out)[0]!;
    });
    if (Number.isNaN(sink)) throw new Error('unreachable');
    rows.push([
      String(d),
      codec.label,
      ((enc * d) / 1e6).toFixed(0),
      ((dec * d) / 1e6).toFixed(0),
      ((4 * d) / payload.length).toFixed(1),
      String(payload.length),
    ]);
  }
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
const line = (r: string[]): string =>
  `| ${r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
console.log(line(rows[0]!));
console.log(`|${widths.map((w, c) => (c < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const r of rows.slice(1)) console.log(line(r));
