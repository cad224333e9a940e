/**
 * tfjs in a tab: WebGL where a hardware-accelerated context exists, else WebAssembly (its .wasm
 * files served next to the page), else plain JS. `?backend=` forces one.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type PageBackend = 'webgl' | 'wasm' | 'cpu';

/** WebGL2 on a real GPU; software rasterisers (SwiftShader, llvmpipe) are slower than wasm. */
function hasAcceleratedWebGl(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
  return !/swiftshader|llvmpipe|software/i.test(renderer);
}

export async function selectPageBackend(choice: PageBackend | 'auto', wasmDir: string): Promise<PageBackend> {
  setWasmPaths(wasmDir);
  const auto: PageBackend[] = hasAcceleratedWebGl() ? ['webgl', 'wasm', 'cpu'] : ['wasm', 'cpu'];
  const order: PageBackend[] = choice !== 'auto' ? [choice] : auto;
  const failures: string[] = [];
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      failures.push(`${name}: setBackend returned false`);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend could be loaded: ${failures.join('; ')}`);
}
