/**
 * Same behaviour check: runs every scenario in topologies/scenarios/ in this tree and in a temporary
 * worktree of an earlier commit (same seed, each tree with its own copy of the scenario file) and
 * compares the JSONL byte for byte (SHA-256).
 *
 *   node_modules/.bin/node scripts/check-jsonl-identity.ts <git-ref> [--quick scale-100k,scale-mlp-1000]
 *     [--quick-nodes 200] [--quick-rounds 2] [--only default,churn]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { printTable } from './lib/experiment.ts';

const USAGE = `Usage: node_modules/.bin/node scripts/check-jsonl-identity.ts <git-ref> [options]

Runs every scenario in topologies/scenarios/ here and at <git-ref> (a temporary worktree) and compares
the JSONL files byte for byte.

Options:
  --quick <names>       scenarios run with --nodes/--rounds overrides on both sides
                        (default scale-100k,scale-mlp-1000)
  --quick-nodes <n>     (default 200)
  --quick-rounds <n>    (default 2)
  --only <names>        only these scenarios (comma-separated, without .json)
  -h, --help            this text`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'string', default: 'scale-100k,scale-mlp-1000' },
    'quick-nodes': { type: 'string', default: '200' },
    'quick-rounds': { type: 'string', default: '2' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (a.help) {
  console.log(USAGE);
  process.exit(0);
}
const ref = positionals[0];
if (!ref || positionals.length > 1) {
  console.error('check-jsonl-identity: give exactly one git ref (e.g. HEAD~3)');
  process.exit(2);
}
const rev = spawnSync('git', ['-C', root, 'rev-parse', '--verify', `${ref}^{commit}`], { encoding: 'utf8' });
if (rev.status !== 0) {
  console.error(`check-jsonl-identity: ${ref} is not a commit`);
  process.exit(2);
}
const commit = rev.stdout.trim();
const quick = new Set(a.quick!.split(',').filter(Boolean));
const only = a.only ? new Set(a.only.split(',').filter(Boolean)) : null;

const scratch = mkdtempSync(join(tmpdir(), 'gl-jsonl-'));
const base = join(scratch, 'base');
const add = spawnSync('git', ['-C', root, 'worktree', 'add', '--detach', base, commit], { encoding: 'utf8' });
if (add.status !== 0) {
  console.error(`check-jsonl-identity: git worktree add failed: ${add.stderr.trim()}`);
  process.exit(2);
}
symlinkSync(join(root, 'node_modules'), join(base, 'node_modules'));

/** SHA-256 of every .jsonl file the run wrote, or the reason it failed. */
function runIn(tree: string, file: string, out: string): string {
  const extra = quick.has(basename(file, '.json'))
    ? ['--nodes', a['quick-nodes']!, '--rounds', a['quick-rounds']!]
    : [];
  const r = spawnSync(
    join(root, 'node_modules/.bin/node'),
    ['src/cli/main.ts', 'simulate', file, '-o', out, ...extra],
    {
      cwd: tree,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) return `failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`;
  const files = readdirSync(out)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(join(out, f)));
  return files.length ? h.digest('hex').slice(0, 16) : 'no jsonl';
}

const rows: string[][] = [];
let differ = 0;
try {
  const dir = join(root, 'topologies/scenarios');
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    const name = basename(f, '.json');
    if (only && !only.has(name)) continue;
    const rel = join('topologies/scenarios', f);
    const now = runIn(root, rel, join(scratch, `now-${name}`));
    const then = existsSync(join(base, rel)) ? runIn(base, rel, join(scratch, `then-${name}`)) : 'not in ref';
    const same = now === then && /^[0-9a-f]{16}$/.test(now);
    if (!same) differ++;
    rows.push([
      name,
      quick.has(name) ? `${a['quick-nodes']} nodes × ${a['quick-rounds']} rounds` : 'as in file',
      then,
      now,
      same ? 'yes' : 'NO',
    ]);
    console.error(`${name}: ${same ? 'identical' : 'differs'}`);
  }
} finally {
  spawnSync('git', ['-C', root, 'worktree', 'remove', '--force', base]);
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`\nJSONL at ${commit.slice(0, 12)} (${ref}) vs this tree\n`);
printTable(['scenario', 'run', `sha-256 at ${ref}`, 'sha-256 now', 'identical'], rows);
process.exit(differ ? 1 : 0);
