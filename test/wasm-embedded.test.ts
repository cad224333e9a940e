import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assembleWat } from '../scripts/lib/wasm-assemble.ts';
import { WASM_SOURCES } from '../scripts/lib/wasm-sources.ts';
import { WasmKernel } from '../src/util/wasm-kernel.ts';

const root = new URL('..', import.meta.url).pathname;

test('every embedded WebAssembly module is its .wat assembled (npm run build:wasm)', async () => {
  for (const s of WASM_SOURCES) {
    const embedded = Buffer.from((await import(`${root}${s.module}`))[s.exportName] as string, 'base64');
    const assembled = Buffer.from(await assembleWat(`${root}${s.wat}`));
    assert.ok(embedded.length > 0, `${s.module} embeds nothing`);
    assert.ok(assembled.equals(embedded), `${s.module} is stale: run npm run build:wasm`);
  }
});

test('a kernel memory that cannot grow says so, and its views follow one that does', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  const k = new WasmKernel({ memory });
  assert.equal(k.reserve(65536), true);
  assert.equal(k.f32.length, 16384);
  assert.equal(k.reserve(2 * 65536), true);
  assert.equal(k.f32.length, 32768, 'the views were renewed after the growth');
  assert.equal(k.f64.buffer, memory.buffer);
  assert.equal(k.reserve(3 * 65536), false);
  assert.equal(k.f32.length, 32768);
});
