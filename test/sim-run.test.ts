import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJsonl } from '../src/sim/output.ts';
import { runSimulation } from '../src/sim/run.ts';
import { parseScenario } from '../src/sim/scenario.ts';

const task = {
  seed: 3,
  dataset: { type: 'synthetic', samples: 4000, dim: 20, classes: 4, separation: 4 },
  partition: { type: 'dirichlet', alpha: 1 },
  model: { type: 'logreg' },
  node: { localSteps: 5, batchSize: 16, optimizer: { type: 'sgd', lr: 0.1 } },
};
const base = { task, eval: { sampleNodes: 4, testSamples: 400 } };

test('the same seed gives byte-identical JSONL; another seed does not', async () => {
  const sc = (seed: number) =>
    parseScenario({
      ...base,
      task: { ...task, seed, node: { ...task.node, codec: { name: 'topk', fraction: 0.1 } } },
      nodes: 6,
      rounds: 4,
      topology: { generator: { type: 'ring' } },
      network: { loss: 0.05 },
    });
  const a = toJsonl(await runSimulation(sc(3)));
  const b = toJsonl(await runSimulation(sc(3)));
  const c = toJsonl(await runSimulation(sc(4)));
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.ok(a.split('\n').length > 6 * 4);
});

test('training on worker threads gives the same JSONL as training in the main thread', async () => {
  const sc = (workers: number) =>
    parseScenario({
      ...base,
      workers,
      nodes: 5,
      rounds: 3,
      topology: { generator: { type: 'ring' } },
      task: { ...task, node: { ...task.node, codec: { name: 'topk', fraction: 0.1 } } },
    });
  const threaded = await runSimulation(sc(2));
  assert.equal(threaded.threads, 2);
  assert.equal(toJsonl(threaded), toJsonl(await runSimulation(sc(0))));
});

test('a small ring converges above a floor and its nodes agree', async () => {
  const r = await runSimulation(
    parseScenario({ ...base, nodes: 8, rounds: 15, topology: { generator: { type: 'ring' } } }),
  );
  assert.equal(r.summary.honestFinished, 8);
  assert.ok(r.summary.finalAccuracy! > 0.8, `accuracy ${r.summary.finalAccuracy}`);
  const first = r.rounds[0]!.consensusDistance;
  const last = r.rounds[r.rounds.length - 1]!.consensusDistance;
  assert.ok(last < first, `consensus distance ${first} -> ${last}`);
});

test('churn: crashes, a late joiner and a rejoin complete without a stall', async () => {
  const r = await runSimulation(
    parseScenario({
      ...base,
      nodes: 10,
      rounds: 12,
      topology: { generator: { type: 'random-regular', d: 4 } },
      task: {
        ...task,
        init: 'independent',
        node: { ...task.node, codec: { name: 'topk', fraction: 0.2 }, deadline: { capMs: 2000 } },
      },
      churn: {
        events: [
          { round: 3, action: 'crash', count: 2 },
          { round: 4, action: 'join', nodes: [9] },
          { round: 6, action: 'rejoin', nodes: [0] },
          { round: 3, action: 'crash', nodes: [0] },
        ],
      },
    }),
  );
  assert.equal(r.summary.endedBy, 'stopped');
  const finishers = new Set(r.lines.filter((l) => l.round === 11).map((l) => l.index));
  // 10 nodes, 2 crashed for good (node 0 came back), node 9 joined late: 8 finish.
  assert.equal(finishers.size, 8);
  assert.ok(finishers.has(9) && finishers.has(0));
  const joinerFirstRound = Math.min(...r.lines.filter((l) => l.index === 9).map((l) => l.round));
  assert.ok(joinerFirstRound >= 3, `late joiner started at round ${joinerFirstRound}, not from scratch`);
  assert.ok(r.summary.syncRequests >= 2);
  assert.ok(
    r.lines.some((l) => l.closedBy === 'deadline'),
    'crashed neighbours are waited for only until the deadline',
  );
  assert.ok(r.summary.finalAccuracy! > 0.7, `accuracy ${r.summary.finalAccuracy}`);
});

test('Byzantine: a robust rule stays above a floor where mean falls below it', async () => {
  const run = (rule: string) =>
    runSimulation(
      parseScenario({
        ...base,
        nodes: 10,
        rounds: 10,
        topology: { generator: { type: 'full' } },
        task: { ...task, node: { ...task.node, aggregator: { rule, f: 2 } } },
        byzantine: { count: 2, attack: 'sign-flip', params: { scale: 4 } },
      }),
    );
  const robust = await run('trimmed-mean');
  const plain = await run('mean');
  assert.ok(robust.summary.finalAccuracy! > 0.75, `trimmed-mean ${robust.summary.finalAccuracy}`);
  assert.ok(plain.summary.finalAccuracy! < 0.5, `mean ${plain.summary.finalAccuracy}`);
});
