import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assembleWat } from '../scripts/lib/wasm-assemble.ts';
import { WASM_SOURCES } from '../scripts/lib/wasm-sources.ts';

const root = new URL('..', import.meta.url).pathname;

test('every embedded WebAssembly module is its .wat assembled (npm run build:wasm)', async () => {
  for (const s of WASM_SOURCES) {
    const embedded = Buffer.from((await import(`${root}${s.module}`))[s.exportName] as string, 'base64');
    const assembled = Buffer.from(await assembleWat(`${root}${s.wat}`));
    assert.ok(embedded.length > 0, `${s.module} embeds nothing`);
    assert.ok(assembled.equals(embedded), `${s.module} is stale: run npm run build:wasm`);
  }
});
