/**
 * Just enough of the WebAssembly binary format to hand-assemble a tiny module: LEB128
 * integers, sections, vectors, function bodies and the opcodes we use.
 * Reference: https://webassembly.github.io/spec/core/binary/
 */

/** Unsigned LEB128. */
export function uleb(x: number): number[] {
  const out: number[] = [];
  do {
    let byte = x & 0x7f;
    x >>>= 7;
    if (x !== 0) byte |= 0x80;
    out.push(byte);
  } while (x !== 0);
  return out;
}

/** Signed LEB128 (for i32.const immediates). */
export function sleb(x: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = x & 0x7f;
    x >>= 7;
    const done = (x === 0 && (byte & 0x40) === 0) || (x === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A length-prefixed vector of already-encoded items. */
export function vec(items: readonly number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

export function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

export function section(id: number, body: readonly number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A code-section entry: local declarations as [count, type] groups, then the instructions. */
export function functionBody(locals: readonly (readonly [number, number])[], code: readonly number[]): number[] {
  const body = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...code, op.end];
  return [...uleb(body.length), ...body];
}

export const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export const sectionId = { type: 1, function: 3, memory: 5, export: 7, code: 10 } as const;

export const valType = { i32: 0x7f, f64: 0x7c, v128: 0x7b } as const;

export const exportKind = { func: 0, memory: 2 } as const;

export const FUNC_TYPE = 0x60;
export const EMPTY_BLOCK = 0x40;

export const op = {
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Sub: 0x6b,
} as const;

/** SIMD instructions (0xfd prefix); loads/stores carry a memarg of (align log2 = 4, offset 0). */
export const simd = {
  v128Load: [0xfd, 0x00, 4, 0],
  v128Store: [0xfd, 0x0b, 4, 0],
  i32x4Splat: [0xfd, 0x11],
  v128And: [0xfd, 0x4e],
  v128Xor: [0xfd, 0x51],
  i32x4ShrS: [0xfd, 0xac, 0x01],
  i32x4MinS: [0xfd, 0xb6, 0x01],
  i32x4MaxS: [0xfd, 0xb8, 0x01],
  /** Followed by 16 lane indices (0–15 the first operand's bytes, 16–31 the second's). */
  i8x16Shuffle: [0xfd, 0x0d],
  f64x2Splat: [0xfd, 0x14],
  f32x4DemoteF64x2Zero: [0xfd, 0x5e],
  f64x2PromoteLowF32x4: [0xfd, 0x5f],
  f64x2Add: [0xfd, 0xf0, 0x01],
  f64x2Mul: [0xfd, 0xf2, 0x01],
} as const;
