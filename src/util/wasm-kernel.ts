/**
 * An embedded WebAssembly module (its bytes as base64) instantiated on first use, with float views
 * of its memory that follow the memory as it grows.
 */

// The tsconfig libs do not describe the WebAssembly JS API; declare the little used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export class WasmKernel<X extends { memory: WasmMemory }> {
  readonly x: X;
  f32: Float32Array;
  f64: Float64Array;

  constructor(x: X) {
    this.x = x;
    this.f32 = new Float32Array(x.memory.buffer);
    this.f64 = new Float64Array(x.memory.buffer);
  }

  /**
   * Grow the memory to hold `bytes`; views are renewed when the buffer changes. False when it cannot
   * grow (the host refused the memory): the caller runs its plain loops instead.
   */
  reserve(bytes: number): boolean {
    const have = this.x.memory.buffer.byteLength;
    try {
      if (have < bytes) this.x.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return false;
    }
    if (this.f32.buffer !== this.x.memory.buffer) {
      this.f32 = new Float32Array(this.x.memory.buffer);
      this.f64 = new Float64Array(this.x.memory.buffer);
    }
    return true;
  }
}

/** The module instantiated, or null where it cannot be (no WebAssembly, no SIMD, e.g. node --jitless). */
export function instantiateEmbedded<X extends { memory: WasmMemory }>(base64: string): WasmKernel<X> | null {
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return new WasmKernel(new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as X);
  } catch {
    return null;
  }
}

/** bytes rounded up to a multiple of 16 (one v128). */
export const alignedBytes = (bytes: number): number => Math.ceil(bytes / 16) * 16;
