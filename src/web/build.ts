/** Bundling the browser node with esbuild (a devDependency, loaded only when a build is asked for). */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_BUILD_DIR } from '../testnet/join-pages.ts';

/** Where the page is written: where the bootstrap nodes' /join serves it from. */
export { WEB_BUILD_DIR };
export const WEB_FILES = ['index.html', 'app.js'] as const;

export interface WebBuild {
  readonly files: string[];
  readonly bytes: number;
  readonly ms: number;
}

export async function buildWebBundle(root: string, out: string, o: { minify: boolean }): Promise<WebBuild> {
  const t0 = performance.now();
  const esbuild = await import('esbuild');
  mkdirSync(out, { recursive: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src/web/main.ts')],
    outfile: join(out, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: o.minify,
    sourcemap: 'linked',
    logLevel: 'warning',
    // Fail the build if anything pulls a Node-only module into the page.
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  });
  copyFileSync(join(root, 'src/web/index.html'), join(out, 'index.html'));
  const files = readdirSync(out);
  return { files, bytes: files.reduce((s, f) => s + statSync(join(out, f)).size, 0), ms: performance.now() - t0 };
}

/** The built page is there and newer than every source file it is built from. */
export function webBuildIsFresh(root: string, out = join(root, WEB_BUILD_DIR)): boolean {
  if (!WEB_FILES.every((f) => existsSync(join(out, f)))) return false;
  const built = Math.min(...WEB_FILES.map((f) => statSync(join(out, f)).mtimeMs));
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  return newest(join(root, 'src')) <= built && statSync(join(root, 'package-lock.json')).mtimeMs <= built;
}
