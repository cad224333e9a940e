import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'gl-cli-'));

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--help works for the program and the train command', () => {
  assert.match(cli('--help').out, /Usage: gossiplearn/);
  const r = cli('train', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /--backend <name>/);
});

test('train runs on the embedded MNIST, prints the backend and per-epoch accuracy', () => {
  const r = cli('train', '--model', 'logreg', '--epochs', '1', '--backend', 'auto');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^tfjs backend: (tensorflow|wasm|cpu)/m);
  const m = /epoch 1: test accuracy ([\d.]+)%/.exec(r.out);
  assert.ok(m && Number(m[1]) > 80, r.out);
});

test('a bad config value is a one-line message naming the key and what is expected', () => {
  const p = join(dir, 'bad.json');
  writeFileSync(p, JSON.stringify({ epochs: -3 }));
  const r = cli('train', '--config', p);
  assert.equal(r.code, 2);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /bad\.json: epochs: .*greater than 0.*got -3/);
  const q = join(dir, 'idx.json');
  writeFileSync(
    q,
    JSON.stringify({
      dataset: { type: 'idx', trainImages: join(dir, 'none.idx'), trainLabels: join(dir, 'none2.idx') },
    }),
  );
  const s = cli('train', '--config', q);
  assert.equal(s.code, 2);
  assert.match(s.err, /none\.idx: cannot read file \(ENOENT\)/);
  assert.equal(cli('train', '--epochs', 'many').code, 1);
});
