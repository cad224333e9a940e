import * as tf from '@tensorflow/tfjs';

/** Where a daemon's memory is: V8's heap, buffers outside it, and the tfjs wasm backend's linear memory. */
export interface ProcessMemory {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Memory of objects outside V8's heap (ArrayBuffers among them), as Node reports it. */
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  /** The wasm backend's WebAssembly.Memory (it only ever grows); null on other backends. */
  readonly wasmBytes: number | null;
}

function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.byteLength : null;
}

export function processMemory(): ProcessMemory {
  const m = process.memoryUsage();
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
    wasmBytes: wasmHeapBytes(),
  };
}
