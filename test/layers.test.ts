/**
 * The layer rules of docs/ARCHITECTURE.md, enforced on the source: every import under src/ (static,
 * re-export or dynamic) goes to the file's own layer or one it may use. A change that points a layer
 * up, or adds a directory under src/ without placing it here, fails this test.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(import.meta.dirname, '../src');

const CORE_AND_BELOW = ['core', 'aggregate', 'compress', 'learn', 'privacy', 'util'];
const TASK_AND_BELOW = ['task', ...CORE_AND_BELOW];

/** What each layer may import (directly), besides itself and packages. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  util: [],
  learn: ['util'],
  compress: ['util'],
  privacy: ['util'],
  aggregate: ['learn', 'util'],
  core: ['aggregate', 'compress', 'learn', 'privacy', 'util'],
  task: ['core', 'learn', 'util'],
  topology: ['util'],
  report: ['core', 'util'],
  sim: ['report', 'topology', ...TASK_AND_BELOW],
  p2p: ['core', 'compress', 'util'],
  daemon: ['p2p', 'report', ...TASK_AND_BELOW],
  testnet: ['daemon', 'p2p', 'report', ...TASK_AND_BELOW],
  cluster: ['testnet', 'daemon', 'p2p', 'report', 'topology', ...TASK_AND_BELOW],
  web: ['testnet', 'daemon', 'p2p', ...TASK_AND_BELOW],
  cli: ['cluster', 'testnet', 'daemon', 'p2p', 'sim', 'report', 'topology', ...TASK_AND_BELOW],
};

/** `import … from '…'` and `export … from '…'`, `import('…')`, and the side-effect `import '…'`. */
const IMPORT = new RegExp(
  [
    String.raw`(?:^|[^\w.])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]`,
    String.raw`(?:^|[^\w.])import\s*\(\s*['"]([^'"]+)['"]\s*\)`,
    String.raw`^\s*import\s+['"]([^'"]+)['"]`,
  ].join('|'),
  'gm',
);

interface Edge {
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly spec: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const PACKAGE = JSON.parse(readFileSync(resolve(SRC, '..', 'package.json'), 'utf8')) as {
  imports?: Record<string, Record<string, string>>;
};

function importMapTargets(spec: string): string[] {
  const entry = PACKAGE.imports?.[spec];
  assert.ok(entry, `${spec} is not in package.json's imports`);
  return Object.values(entry).map((p) => resolve(SRC, '..', p));
}

function layerOf(path: string): string {
  return relative(SRC, path).split(sep)[0]!;
}

/** Every relative import under src/ as an edge between the layers of the two files. */
function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      // `#name`: package.json's import map (one file per platform); every choice is checked.
      const targets = spec.startsWith('#')
        ? importMapTargets(spec)
        : spec.startsWith('.')
          ? [resolve(dirname(file), spec)]
          : [];
      for (const target of targets) {
        const rel = relative(SRC, target);
        const to = rel.startsWith('..') ? `outside src (${relative(resolve(SRC, '..'), target)})` : layerOf(target);
        out.push({ file: relative(SRC, file), from: layerOf(file), to, spec });
      }
    }
  }
  return out;
}

test('every directory under src/ is a layer with its imports listed', () => {
  const dirs = readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  assert.deepEqual(dirs, Object.keys(MAY_IMPORT).sort());
});

test('the layer rules form no cycle (each layer sits strictly above what it may import)', () => {
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (layer: string, path: string[]): void => {
    if (done.has(layer)) return;
    assert.ok(!visiting.has(layer), `cycle: ${[...path, layer].join(' → ')}`);
    visiting.add(layer);
    for (const below of MAY_IMPORT[layer] ?? []) {
      assert.ok(below in MAY_IMPORT, `${layer} may import ${below}, which is no layer`);
      visit(below, [...path, layer]);
    }
    visiting.delete(layer);
    done.add(layer);
  };
  for (const layer of Object.keys(MAY_IMPORT)) visit(layer, []);
});

test('the scanner sees static, re-export and dynamic imports', () => {
  const all = edges();
  const has = (file: string, spec: string): boolean =>
    all.some((e) => e.file === join(...file.split('/')) && e.spec === spec);
  assert.ok(has('daemon/daemon.ts', '../p2p/host.ts'), 'static import');
  assert.ok(has('cli/node-command.ts', '../daemon/daemon.ts'), 'dynamic import()');
  assert.ok(has('topology/index.ts', './build.ts'), 'export … from');
  assert.ok(all.length > 300, `only ${all.length} imports found`);
});

test('layers import only downward: no file imports a layer above its own', () => {
  const bad = edges()
    .filter((e) => e.from !== e.to && !(MAY_IMPORT[e.from] ?? []).includes(e.to))
    .map((e) => `src/${e.file} (${e.from}) imports ${e.spec} (${e.to})`);
  assert.deepEqual(bad, []);
});

test('the daemon imports nothing of the testnet, the simulator or the cluster tools', () => {
  const up = edges().filter((e) => e.from === 'daemon' && ['testnet', 'sim', 'cluster', 'web', 'cli'].includes(e.to));
  assert.deepEqual(
    up.map((e) => `src/${e.file} imports ${e.spec}`),
    [],
  );
});

test('core imports nothing of daemon, sim, p2p, testnet, web, cli, cluster or report', () => {
  const forbidden = ['daemon', 'sim', 'p2p', 'testnet', 'web', 'cli', 'cluster', 'report'];
  const up = edges().filter((e) => e.from === 'core' && forbidden.includes(e.to));
  assert.deepEqual(
    up.map((e) => `src/${e.file} imports ${e.spec}`),
    [],
  );
});
