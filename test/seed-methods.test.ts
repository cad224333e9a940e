/**
 * The seed methods through the simulator's real path (the LearningNode the daemon runs): MoDeST
 * round mode, the DiLoCo outer optimizer (fragments, overlap) and FedAU participation weights,
 * plus their building blocks and config validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParticipationWeights, capTotalWeight } from '../src/aggregate/participation-weights.ts';
import { parseNodeConfig } from '../src/core/config.ts';
import { parseDaemonConfig } from '../src/daemon/config.ts';
import { OuterOptimizer, outerOptimizerSchema } from '../src/core/outer-optimizer.ts';
import { toJsonl } from '../src/sim/output.ts';
import { runSimulation } from '../src/sim/run.ts';
import { parseScenario } from '../src/sim/scenario.ts';
import { ConfigError } from '../src/util/validate.ts';

const task = {
  seed: 5,
  dataset: { type: 'synthetic', samples: 4000, dim: 20, classes: 4, separation: 4 },
  partition: { type: 'dirichlet', alpha: 1 },
  model: { type: 'logreg' },
};
const base = { eval: { sampleNodes: 4, testSamples: 400 } };
const learning = { localSteps: 5, batchSize: 16, optimizer: { type: 'sgd', lr: 0.1 } };

test('config: the new keys are validated and a conflict names its key', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ outer: { lr: 0 } }, /^node: outer\.lr: Number must be greater than 0/],
    [{ outer: { fragments: 4 } }, /^node: outer\.fragments: fragments need gossip "direct"/],
    [
      { outer: { overlap: { correction: 2 } } },
      /^node: outer\.overlap\.correction: Number must be less than or equal to 1/,
    ],
    [{ aggregator: { rule: 'metropolis' }, participation: {} }, /^node: participation: needs aggregator\.rule "mean"/],
    [
      { aggregator: { rule: 'mean' }, participation: { cutoff: 0 } },
      /^node: participation\.cutoff: Number must be greater than 0/,
    ],
    [{ modest: { trainers: 0 } }, /^node: modest\.trainers: Number must be greater than 0/],
    [{ modest: { sample: 3 } }, /^node: modest: Unrecognized key\(s\) in object: 'sample'/],
    [{ modest: {}, outer: {} }, /^node: outer: cannot be combined with modest/],
  ];
  for (const [cfg, message] of bad)
    assert.throws(
      () => parseNodeConfig(cfg),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(cfg),
    );
  assert.throws(
    () => parseScenario({ ...base, nodes: 4, rounds: 2, availability: { rate: 0.5, nodes: [7] } }),
    (e: Error) =>
      e instanceof ConfigError && e.message === 'scenario: availability.nodes: node 7 does not exist (nodes: 4)',
  );
  assert.equal(parseNodeConfig({}).outer, undefined, 'every method is off by default');
  const daemon = (node: unknown) => ({
    dataDir: 'd',
    task: { node },
    learning: { partitionIndex: 0, partitionCount: 2 },
  });
  assert.throws(
    () => parseDaemonConfig(daemon({ modest: { timeoutMs: -1 } })),
    (e: Error) => e instanceof ConfigError && /^config: task\.node\.modest\.timeoutMs: /.test(e.message),
  );
  assert.equal(
    parseDaemonConfig(daemon({ modest: {} })).task.node.modest?.trainers,
    8,
    'the daemon takes the same options',
  );
});

test('outer optimizer: lr 1, μ 0 is plain gossip; Nesterov steps match the formula; fragments take turns', () => {
  const plain = new OuterOptimizer(outerOptimizerSchema.parse({ lr: 1, momentum: 0 }), new Float32Array([1, 2]));
  const x = new Float32Array([0.5, 3]);
  plain.step(0, x);
  assert.deepEqual([...x], [0.5, 3]);

  const o = new OuterOptimizer(outerOptimizerSchema.parse({ lr: 0.5, momentum: 0.9 }), new Float32Array([1]));
  const y = new Float32Array([0.8]); // Δ = 0.2, m = 0.2, θ = 1 − 0.5·(0.2 + 0.18) = 0.81
  o.step(0, y);
  assert.ok(Math.abs(y[0]! - 0.81) < 1e-6, `${y[0]}`);
  y[0] = 0.61; // Δ = 0.2, m = 0.9·0.2 + 0.2 = 0.38, θ = 0.81 − 0.5·(0.2 + 0.342) = 0.539
  o.step(1, y);
  assert.ok(Math.abs(y[0]! - 0.539) < 1e-6, `${y[0]}`);

  const f = new OuterOptimizer(outerOptimizerSchema.parse({ lr: 1, momentum: 0, fragments: 2 }), new Float32Array(4));
  assert.deepEqual(
    [f.fragmentOf(0), f.fragmentOf(1), f.fragmentOf(2)],
    [
      { start: 0, end: 2 },
      { start: 2, end: 4 },
      { start: 0, end: 2 },
    ],
  );
  const z = new Float32Array([1, 1, 1, 1]);
  f.step(1, z);
  assert.deepEqual([...z], [1, 1, 1, 1], 'lr 1: the fragment takes the mixed values, the rest is untouched');
  assert.deepEqual([...f.outgoing(1, new Float32Array([5, 6, 7, 8]))], [7, 8]);
});

test('participation estimator: the mean interval between new updates, truncated at the cutoff', () => {
  const w = new ParticipationWeights({ cutoff: 10 });
  for (let r = 0; r < 40; r++) {
    w.observe('every', r);
    w.observe('fifth', r - (r % 5));
    w.observe('never', -Infinity);
  }
  assert.equal(w.interval('every'), 1);
  // Counted from the start, as FedAU does: round 0 ends an interval of 1, then 7 intervals of 5.
  assert.equal(w.interval('fifth'), (1 + 7 * 5) / 8);
  assert.equal(w.interval('never'), 10);
  assert.equal(w.interval('unknown'), 1);
  const weights = [0.2, 1, 0.2];
  capTotalWeight(weights, 0.8);
  assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 0.8) < 1e-12 && weights[1]! > 4.9 * weights[0]!);
});

test('availability: chosen nodes sit out rounds (no training, nothing sent), deterministically', async () => {
  const sc = () =>
    parseScenario({
      ...base,
      nodes: 6,
      rounds: 20,
      topology: { generator: { type: 'ring' } },
      task: { ...task, node: { ...learning, aggregator: { rule: 'mean' }, participation: {} } },
      availability: { nodes: [1, 4], rate: 0.25 },
    });
  const r = await runSimulation(sc());
  const sent = (i: number): number => r.lines.filter((l) => l.index === i && l.bytesSentPayload > 0).length;
  assert.ok(
    sent(1) >= 1 && sent(1) <= 10 && sent(4) <= 10,
    `rare nodes sent in ${sent(1)} and ${sent(4)} of 20 rounds`,
  );
  for (const i of [0, 2, 3, 5]) assert.equal(sent(i), 20);
  for (const l of r.lines.filter((x) => x.bytesSentPayload === 0))
    assert.equal(l.used, 0, 'a node sitting out does not aggregate');
  assert.ok(r.summary.finalAccuracy! > 0.8, `accuracy ${r.summary.finalAccuracy}`);
  assert.equal(toJsonl(await runSimulation(sc())), toJsonl(r));
});

test('outer optimizer with fragments and overlap converges; overlap hides the exchange behind compute', async () => {
  const sc = (overlap: boolean) =>
    parseScenario({
      ...base,
      nodes: 6,
      rounds: 12,
      topology: { generator: { type: 'ring' } },
      task: {
        ...task,
        node: {
          ...learning,
          gossip: 'direct',
          outer: { lr: 0.7, momentum: 0.9, fragments: 2, ...(overlap ? { overlap: {} } : {}) },
        },
      },
      network: { latencyMs: 30 },
      compute: { msPerStep: 10, jitter: 0 },
    });
  const plain = await runSimulation(sc(false));
  const overlapped = await runSimulation(sc(true));
  for (const r of [plain, overlapped]) {
    assert.equal(r.summary.honestFinished, 6);
    assert.ok(r.summary.finalAccuracy! > 0.8, `accuracy ${r.summary.finalAccuracy}`);
    assert.deepEqual(r.summary.rejected, {});
  }
  const frame = plain.lines.find((l) => l.round === 3)!.bytesSentPayload;
  assert.ok(
    frame > 0 && frame < 0.6 * 4 * 2 * 21 * 4,
    `a round sends one fragment (${frame} payload bytes to 2 neighbours)`,
  );
  assert.ok(
    overlapped.summary.virtualSeconds < 0.9 * plain.summary.virtualSeconds,
    `${overlapped.summary.virtualSeconds} vs ${plain.summary.virtualSeconds} s`,
  );
});

test('MoDeST: the samples hand the model on; it converges and survives 80% of nodes crashing', async () => {
  const sc = (churn: unknown[]) =>
    parseScenario({
      ...base,
      nodes: 20,
      rounds: 14,
      topology: { generator: { type: 'full' } },
      task: {
        ...task,
        node: { ...learning, modest: { trainers: 4, aggregators: 2, timeoutMs: 500, watchdogMs: 1500, seed: 2 } },
      },
      network: { probeTimeoutMs: 200 },
      churn: { events: churn },
    });
  const r = await runSimulation(sc([]));
  for (let k = 0; k < 14; k++) {
    const trainers = r.lines.filter((l) => l.round === k && l.role === 'trainer');
    const aggs = r.lines.filter((l) => l.round === k && l.role === 'aggregator');
    assert.equal(trainers.length, 4, `round ${k}`);
    assert.equal(aggs.length, 2, `round ${k}`);
    assert.ok(aggs.every((l) => l.used === 4 && l.closedBy === 'quorum'));
  }
  assert.ok(r.summary.finalAccuracy! > 0.85, `accuracy ${r.summary.finalAccuracy}`);
  assert.deepEqual(r.summary.rejected, {}, "the second aggregator's copy of a model is no rejection");
  assert.equal(r.lines.length, 14 * 6, 'nodes outside the samples do nothing');

  const crashed = await runSimulation(sc([{ round: 5, action: 'crash', fraction: 0.8 }]));
  assert.equal(crashed.summary.crashed.length, 16);
  assert.equal(crashed.summary.roundsCompleted, 14, 'every round still closed');
  assert.ok(crashed.summary.finalAccuracy! > 0.85, `accuracy after the crash ${crashed.summary.finalAccuracy}`);
});
