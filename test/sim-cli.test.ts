import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, parseScenario } from '../src/sim/scenario.ts';
import { ConfigError } from '../src/util/validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'gl-sim-'));
const tiny = {
  name: 'tiny',
  nodes: 4,
  rounds: 3,
  task: {
    dataset: { type: 'synthetic', samples: 800, dim: 8, classes: 3 },
    model: { type: 'logreg' },
    node: { localSteps: 2, codec: { name: 'topk', fraction: 0.2 } },
  },
  topology: { generator: { type: 'ring' } },
  byzantine: { count: 1, attack: 'gaussian' },
};

test('gossiplearn simulate writes JSONL, a summary and an HTML report with SVG plots', () => {
  const file = join(dir, 'tiny.json');
  writeFileSync(file, JSON.stringify(tiny));
  const out = join(dir, 'out');
  const r = spawnSync(process.execPath, ['src/cli/main.ts', 'simulate', file, '--out', out], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /tfjs backend: /);
  assert.match(r.stdout, /report: .*report\.html/);
  const lines = readFileSync(join(out, 'rounds.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string });
  assert.equal(lines.filter((l) => l.type === 'node-round').length, 4 * 3);
  assert.equal(lines.filter((l) => l.type === 'round').length, 3);
  assert.equal(lines.at(-1)!.type, 'summary');
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal((html.match(/<svg/g) ?? []).length, 4);
  assert.match(html, /final accuracy/);
  assert.deepEqual(readdirSync(out).sort(), ['report.html', 'rounds.jsonl', 'summary.json']);
});

test('every shipped scenario file is valid', () => {
  const scenarios = readdirSync('topologies/scenarios').filter((f) => f.endsWith('.json'));
  assert.ok(scenarios.length >= 5);
  for (const f of scenarios) loadScenario(join('topologies/scenarios', f));
});

test('scenario errors are one line naming the key', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ ...tiny, nodes: 0 }, /s\.json: nodes: /],
    [
      { ...tiny, task: { ...tiny.task, node: { codec: { name: 'zip' } } } },
      /^s\.json: task\.node\.codec\.name: must be one of /,
    ],
    [
      { ...tiny, task: { ...tiny.task, node: { codec: { name: 'topk', fraction: 2 } } } },
      /^s\.json: task\.node\.codec\.fraction: must be a number in \(0, 1\], got 2/,
    ],
    [
      { ...tiny, task: { ...tiny.task, node: { aggregator: { rule: 'best' } } } },
      /^s\.json: task\.node\.aggregator\.rule: must be one of mean, /,
    ],
    [{ ...tiny, task: { ...tiny.task, node: { localSteps: -1 } } }, /^s\.json: task\.node\.localSteps: /],
    [
      { ...tiny, task: { ...tiny.task, node: { staleness: { discount: 2 } } } },
      /^s\.json: task\.node\.staleness\.discount: /,
    ],
    [
      { ...tiny, task: { ...tiny.task, partition: { type: 'dirichlet', alpha: -1 } } },
      /^s\.json: task\.partition\.alpha: /,
    ],
    // The old layout: the task's keys at the top level.
    [{ ...tiny, model: { type: 'logreg' } }, /^s\.json: model: moved to task\.model$/],
    [{ ...tiny, node: { localSteps: 2 } }, /^s\.json: node: moved to task\.node$/],
    [{ ...tiny, seed: 2 }, /^s\.json: seed: moved to task\.seed$/],
    [{ ...tiny, byzantine: { attack: 'nuke' } }, /byzantine\.attack/],
    [
      { ...tiny, byzantine: { attack: 'sign-flip', params: { bogus: 1 } } },
      /^s\.json: byzantine\.params: Unrecognized key\(s\) in object: 'bogus'/,
    ],
    [
      { ...tiny, churn: { events: [{ round: 1, action: 'crash', nodes: [9] }] } },
      /churn\.events\.0\.nodes: node 9 does not exist/,
    ],
  ];
  for (const [input, re] of bad)
    assert.throws(
      () => parseScenario(input, 's.json'),
      (e: unknown) => e instanceof ConfigError && re.test(e.message) && !e.message.includes('\n'),
      String(re),
    );
});
