/**
 * The flat parameter view: every model's weights as one Float32Array plus a table
 * saying where each layer lives. Compression, aggregation and the wire all use this.
 */
export type ParamKind = 'weight' | 'bias';

export interface LayerEntry {
  /** Unique name, e.g. "dense0/kernel". */
  readonly name: string;
  /** Start index in the flat vector. */
  readonly offset: number;
  /** Number of scalars (product of shape). */
  readonly size: number;
  readonly shape: readonly number[];
  readonly kind: ParamKind;
  /** Fan-in and fan-out used for Glorot init / Xavier variance targets (weights only). */
  readonly fanIn: number;
  readonly fanOut: number;
}

export interface ParamLayout {
  readonly entries: readonly LayerEntry[];
  readonly totalSize: number;
}

export function buildLayout(
  specs: ReadonlyArray<{ name: string; shape: readonly number[]; kind: ParamKind; fanIn: number; fanOut: number }>,
): ParamLayout {
  const entries: LayerEntry[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new Error(`duplicate layer name "${s.name}"`);
    seen.add(s.name);
    const size = s.shape.reduce((a, b) => a * b, 1);
    entries.push({ name: s.name, offset, size, shape: [...s.shape], kind: s.kind, fanIn: s.fanIn, fanOut: s.fanOut });
    offset += size;
  }
  return { entries, totalSize: offset };
}

/** A view (no copy) of one layer's slice of a flat vector. */
export function layerView(flat: Float32Array, entry: LayerEntry): Float32Array {
  return flat.subarray(entry.offset, entry.offset + entry.size);
}
