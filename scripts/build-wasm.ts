/**
 * `npm run build:wasm`: assembles the WebAssembly text sources into the modules that embed them
 * (src/compress/codecs/lowrank.wat → lowrank-wasm.ts). Run after editing a .wat file; the tests
 * fail while the two disagree. Usage: node scripts/build-wasm.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scriptArgs } from './lib/args.ts';
import { WASM_SOURCES } from './lib/wasm-sources.ts';
import { assembleWat, embeddingModule } from './lib/wasm-assemble.ts';

scriptArgs({
  script: import.meta.url,
  summary: 'Assembles the .wat sources into the TypeScript modules that embed their binaries.',
  options: {},
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
for (const s of WASM_SOURCES) {
  const bytes = await assembleWat(join(root, s.wat));
  writeFileSync(join(root, s.module), embeddingModule(s.wat.split('/').pop()!, s.exportName, bytes));
  console.log(`${s.wat} → ${s.module} (${bytes.length} bytes)`);
}
