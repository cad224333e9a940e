/** The WebAssembly text sources and the modules embedding them (paths from the repository root). */
export const WASM_SOURCES = [
  {
    wat: 'src/compress/codecs/lowrank.wat',
    module: 'src/compress/codecs/lowrank-wasm.ts',
    exportName: 'LOWRANK_WASM_BASE64',
  },
  {
    wat: 'src/aggregate/mean-kernels.wat',
    module: 'src/aggregate/mean-wasm.ts',
    exportName: 'MEAN_WASM_BASE64',
  },
] as const;
