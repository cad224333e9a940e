import * as tf from '@tensorflow/tfjs';

interface WasmHeapBackend {
  readonly wasm: { readonly HEAPU8: Uint8Array };
  readonly dataIdMap: { get(id: object): { memoryOffset: number; dtype: string } | undefined };
}

function wasmHeapOf(backend: unknown): WasmHeapBackend | null {
  const b = backend as Partial<WasmHeapBackend> | null;
  return b && b.wasm?.HEAPU8 instanceof Uint8Array && typeof b.dataIdMap?.get === 'function'
    ? (b as WasmHeapBackend)
    : null;
}

/**
 * Copy a float32 tensor's values into out at offset. On the wasm backend this reads the values where
 * they live in its heap: dataSync would allocate a fresh ArrayBuffer for every read, and at ten reads
 * of 400 KB per node-round that churn is what triggers most of the simulator's full garbage collections.
 */
export function readTensorInto(t: tf.Tensor, out: Float32Array, offset: number): void {
  const heap = wasmHeapOf(tf.backend());
  const data = heap?.dataIdMap.get(t.dataId);
  if (!heap || !data || data.dtype !== 'float32' || t.dtype !== 'float32') {
    out.set(t.dataSync() as Float32Array, offset);
    return;
  }
  const bytes = heap.wasm.HEAPU8;
  out.set(new Float32Array(bytes.buffer, bytes.byteOffset + data.memoryOffset, t.size), offset);
}
