import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLoaders, selectBackend, type BackendLoaders } from '../src/learn/backend.ts';

const missing = async (): Promise<void> => {
  throw new Error("Cannot find package '@tensorflow/tfjs-node'");
};

test('without tfjs-node, auto selection falls back to wasm and says why', async () => {
  const loaders: BackendLoaders = { ...defaultLoaders, tensorflow: missing };
  const sel = await selectBackend('auto', loaders);
  assert.equal(sel.backend, 'wasm');
  assert.equal(sel.skipped[0]?.backend, 'tensorflow');
  assert.match(sel.skipped[0]!.reason, /tfjs-node/);
});

test('with neither tfjs-node nor wasm, auto selection ends on cpu', async () => {
  const sel = await selectBackend('auto', { ...defaultLoaders, tensorflow: missing, wasm: missing });
  assert.equal(sel.backend, 'cpu');
  assert.deepEqual(
    sel.skipped.map((s) => s.backend),
    ['tensorflow', 'wasm'],
  );
});

test('the real loaders pick tensorflow when tfjs-node is installed, else the next one', async () => {
  let nodeInstalled = true;
  try {
    await import('@tensorflow/tfjs-node' as string);
  } catch {
    nodeInstalled = false;
  }
  const sel = await selectBackend('auto');
  assert.equal(sel.backend, nodeInstalled ? 'tensorflow' : 'wasm');
});

test('an explicit backend that cannot load is an error, not a silent fallback', async () => {
  await assert.rejects(
    selectBackend('tensorflow', { ...defaultLoaders, tensorflow: missing }),
    /backend "tensorflow" is not available/,
  );
  const sel = await selectBackend('cpu');
  assert.equal(sel.backend, 'cpu');
});
