/**
 * `powersgd`: every weight matrix as warm-started rank-r factors (lowrank.ts), every other layer
 * (biases) as dense fp16, in a segments payload. Needs the model's layer table.
 */
import { codecOptions, defineCodec, intIn, oneOf } from '../codec-definition.ts';
import { encodeFp16 } from './fp16.ts';
import { LOWRANK_MAX_RANK, PowerState, encodeLowRank, type FactorFormat } from './lowrank.ts';
import {
  SEGMENT_CODECS,
  decodeSegmentsInto,
  encodeSegments,
  segmentsAdderFor,
  type EncodedSegment,
} from './segments.ts';

export interface CodecLayer {
  readonly offset: number;
  readonly size: number;
  readonly shape: readonly number[];
  readonly kind: string;
}

/** The layer table a layout-aware codec needs (structurally a learn/ ParamLayout). */
export interface CodecLayout {
  readonly totalSize: number;
  readonly entries: ReadonlyArray<CodecLayer>;
}

/** rows × cols of a weight layer viewed as a matrix (last dimension = columns), or null for vectors. */
export function matrixShape(entry: CodecLayer): { rows: number; cols: number } | null {
  if (entry.kind !== 'weight' || entry.shape.length < 2) return null;
  const cols = entry.shape[entry.shape.length - 1]!;
  const rows = entry.size / cols;
  return rows >= 2 && cols >= 2 ? { rows, cols } : null;
}

export function checkLayout(layout: CodecLayout | undefined, codec: string): CodecLayout {
  if (!layout) throw new Error(`codec ${codec} needs the model's layer table`);
  let offset = 0;
  for (const e of layout.entries) {
    if (e.offset !== offset || !(e.size > 0))
      throw new Error(`codec ${codec}: layer table has a gap at offset ${e.offset}`);
    offset += e.size;
  }
  if (offset !== layout.totalSize) {
    throw new Error(`codec ${codec}: layers cover ${offset} of ${layout.totalSize} values`);
  }
  return layout;
}

export class PowerSgdEncoder {
  private readonly layout: CodecLayout;
  private readonly format: FactorFormat;
  private readonly states: Array<PowerState | null>;

  constructor(layout: CodecLayout, rank: number, format: FactorFormat) {
    this.layout = layout;
    this.format = format;
    this.states = layout.entries.map((e, k) => {
      const m = matrixShape(e);
      return m ? new PowerState(m.cols, Math.min(rank, m.rows, m.cols), 0x5eed + k) : null;
    });
  }

  encode(x: Float32Array): Uint8Array {
    const d = this.layout.totalSize;
    if (x.length !== d) throw new RangeError(`powersgd: ${x.length} values, layout has ${d}`);
    const segments: EncodedSegment[] = this.layout.entries.map((e, k) => {
      const part = x.subarray(e.offset, e.offset + e.size);
      const state = this.states[k];
      const m = matrixShape(e);
      if (!state || !m) return { codec: SEGMENT_CODECS.fp16, values: e.size, payload: encodeFp16(part) };
      const payload = encodeLowRank(part, m.rows, m.cols, state, this.format);
      return { codec: SEGMENT_CODECS.lowrank, values: e.size, payload };
    });
    return encodeSegments(segments);
  }
}

/** Rank-r factors per weight matrix (fp16 or fp32 factors), dense fp16 biases. Needs the layout. */
export const powersgdCodec = defineCodec({
  name: 'powersgd',
  id: 7,
  options: codecOptions('powersgd', {
    rank: intIn(1, LOWRANK_MAX_RANK).default(4),
    factors: oneOf(['fp16', 'fp32']).default('fp16'),
  }),
  decodeInto: decodeSegmentsInto,
  adderFor: segmentsAdderFor,
  create: ({ rank, factors }, layout) => {
    const encoder = new PowerSgdEncoder(checkLayout(layout, 'powersgd'), rank, factors);
    return {
      label: `powersgd(rank ${rank}, ${factors})`,
      unbiased: false,
      contractive: true,
      encode: (x) => encoder.encode(x),
    };
  },
});
