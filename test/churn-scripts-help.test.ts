/** The churn scripts answer --help with their usage (exit 0), and a bad option in one line (exit 2). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function run(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const cases: Array<[string, RegExp[]]> = [
  ['scripts/testnet-box.ts', [/^Usage: /, /--kill-at-round <r>/, /--restart-at-round <r>/, /--joiners <n>/]],
  ['scripts/cluster.ts', [/^Usage: scripts\/cluster\.ts/, /--kill-at-round <r>/, /--restart-at-round <r>/]],
  ['scripts/bench-soak.ts', [/^Usage: /, /--minutes <m>/, /--interval-s <s>/, /--fraction <f>/, /--nodes <n>/]],
];

for (const [script, expected] of cases) {
  test(`${script} --help prints its usage and exits 0`, { timeout: 150_000 }, () => {
    const r = run([script, '--help']);
    assert.equal(r.code, 0, r.err);
    for (const re of expected) assert.match(r.out, re);
  });
}

test('scripts/testnet-box.ts: an unknown option is one line, exit 2', { timeout: 150_000 }, () => {
  const r = run(['scripts/testnet-box.ts', '--no-such-option']);
  assert.equal(r.code, 2);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /^error: Unknown option '--no-such-option'/);
});
