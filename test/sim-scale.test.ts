import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonlDigest, toJsonl, writeRunOutputs } from '../src/sim/output.ts';
import { runSimulation } from '../src/sim/run.ts';
import { parseScenario } from '../src/sim/scenario.ts';
import { ConfigError } from '../src/util/validate.ts';

const base = {
  nodes: 40,
  rounds: 4,
  task: {
    seed: 5,
    dataset: { type: 'synthetic', samples: 4000, dim: 16, classes: 4, separation: 4 },
    partition: { type: 'iid' },
    model: { type: 'logreg' },
    node: {
      localSteps: 3,
      batchSize: 8,
      optimizer: { type: 'sgd', lr: 0.1 },
      codec: { name: 'topk', fraction: 0.2, values: 'fp16' },
    },
  },
  topology: { generator: { type: 'random-regular', d: 4 } },
  eval: { sampleNodes: 5, testSamples: 200 },
  trainer: 'flat',
};

test("compact JSONL: the evaluated nodes' lines and the same round summaries and summary as full JSONL", async () => {
  const full = await runSimulation(parseScenario({ ...base, jsonl: 'full' }));
  const compact = await runSimulation(parseScenario({ ...base, jsonl: 'compact' }));
  assert.equal(full.lines.length, 40 * 4);
  assert.deepEqual(compact.rounds, full.rounds);
  assert.deepEqual({ ...compact.summary }, { ...full.summary });
  const evaluated = full.lines.filter((l) => l.accuracy !== undefined);
  assert.deepEqual(compact.lines, evaluated);
  assert.ok(evaluated.length >= 40 && evaluated.length < full.lines.length, `${evaluated.length} evaluated lines`);
  assert.ok(full.summary.finalAccuracy! > 0.6, `final accuracy ${full.summary.finalAccuracy}`);
  const dir = mkdtempSync(join(tmpdir(), 'gl-compact-'));
  try {
    await writeRunOutputs(compact, dir);
    const written = readFileSync(join(dir, 'rounds.jsonl'), 'utf8');
    assert.equal(written, toJsonl(compact));
    assert.equal(jsonlDigest(compact), createHash('sha256').update(written).digest('hex'));
    assert.match(
      readFileSync(join(dir, 'report.html'), 'utf8'),
      /compact: node-round lines of the evaluated nodes only/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flat trainer on 2 worker threads (batched jobs) gives the JSONL of the main thread', async () => {
  const inline = await runSimulation(parseScenario({ ...base, workers: 0 }));
  const threaded = await runSimulation(parseScenario({ ...base, workers: 2 }));
  assert.equal(threaded.threads, 2);
  assert.equal(jsonlDigest(threaded), jsonlDigest(inline));
});

test('per-node state: parameters, own public copy, and copies only of actual neighbours', async () => {
  const r = await runSimulation(parseScenario(base));
  const d = 16 * 4 + 4;
  assert.equal(r.state.params, 4 * d);
  assert.equal(r.state.publicCopy, 4 * d);
  assert.equal(r.state.inbox, 4 * 4 * d);
  assert.equal(r.state.optimizer, 0);
  assert.equal(r.state.shardRows, (8 * (4000 * 0.8)) / 40);
});

test('trainer "flat" refuses models and options it does not implement', () => {
  assert.throws(
    () => parseScenario({ ...base, task: { ...base.task, model: { type: 'cnn' } } }),
    (e: unknown) => e instanceof ConfigError && /trainer/.test(e.message),
  );
  const privacy = { mode: 'dp-sgd', noiseMultiplier: 1, clip: 1, delta: 1e-5 };
  assert.throws(
    () => parseScenario({ ...base, task: { ...base.task, node: { ...base.task.node, privacy } } }),
    (e: unknown) => e instanceof ConfigError && /trainer/.test(e.message),
  );
});
