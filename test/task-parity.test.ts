/**
 * One TaskSpec, one builder: a daemon configured with a scenario's task trains exactly what the
 * simulator's node i trains — the same shard, the same init, the same parameters after round one.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDaemonConfig } from '../src/daemon/config.ts';
import { DaemonLearner } from '../src/daemon/learner.ts';
import { selectBackend } from '../src/learn/backend.ts';
import { subset } from '../src/learn/dataset.ts';
import { loadDataset } from '../src/learn/datasets/index.ts';
import { worldSpecOf } from '../src/sim/run.ts';
import { parseScenario } from '../src/sim/scenario.ts';
import { TrainingWorld } from '../src/sim/training-world.ts';

const NODES = 5;
const task = {
  seed: 7,
  model: { type: 'mlp', hidden: [8] },
  dataset: { type: 'synthetic', samples: 1500, dim: 12, classes: 3, separation: 3 },
  partition: { type: 'dirichlet', alpha: 0.5 },
  init: 'independent',
  node: {
    localSteps: 4,
    batchSize: 8,
    optimizer: { type: 'momentum', lr: 0.1, momentum: 0.9, schedule: { type: 'cosine' } },
  },
};
const ring = { generator: { type: 'ring' } };
const scenario = parseScenario({ nodes: NODES, rounds: 6, topology: ring, task }, 'parity.json');

before(async () => {
  await selectBackend('cpu');
});

/** Daemon `index` of the scenario's nodes, built through its config file's parser. */
function daemonLearner(index: number): DaemonLearner {
  const learning = { partitionIndex: index, partitionCount: NODES, rounds: 6 };
  const cfg = parseDaemonConfig({ dataDir: 'd', task, learning }, 'node.json');
  return new DaemonLearner(cfg.task, cfg.learning, loadDataset(cfg.task.dataset, cfg.task.seed));
}

function trainDaemon(learner: DaemonLearner, params: Float32Array): Promise<number> {
  return new Promise((done) => learner.train(0, params, done));
}

function assertSameFloats(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let k = 0; k < a.length; k++)
    if (!Object.is(a[k], b[k])) assert.fail(`${what}: element ${k}: ${a[k]} vs ${b[k]}`);
}

test("a daemon built from the scenario's task gets node i's shard, init and round-one parameters", async () => {
  const world = new TrainingWorld(worldSpecOf(scenario, []));
  try {
    const sizes = new Set<number>();
    for (const i of [0, 2, 4]) {
      const learner = daemonLearner(i);
      try {
        const shard = subset(world.data.train, world.shards[i]!);
        sizes.add(shard.y.length);
        assert.deepEqual(learner.shard.y, shard.y, `node ${i}: shard labels`);
        assertSameFloats(learner.shard.x, shard.x, `node ${i}: shard features`);

        const simInit = world.initParams(i);
        const daemonInit = learner.initParams('own');
        assertSameFloats(daemonInit, simInit, `node ${i}: own init`);
        assertSameFloats(learner.initParams('shared'), world.initParams('shared'), `node ${i}: shared init`);
        assert.ok(
          simInit.some((v, k) => v !== world.initParams((i + 1) % NODES)[k]),
          'inits differ between nodes',
        );

        // Round one, then round two (optimizer state and batch order carried over).
        for (const round of [1, 2]) {
          const simLoss = world.train(i, simInit);
          const daemonLoss = await trainDaemon(learner, daemonInit);
          assert.equal(daemonLoss, simLoss, `node ${i}: round ${round} loss`);
          assertSameFloats(daemonInit, simInit, `node ${i}: parameters after round ${round}`);
        }
      } finally {
        learner.dispose();
      }
    }
    assert.ok(sizes.size > 1, `Dirichlet shards of different sizes (${[...sizes]})`);
  } finally {
    world.dispose();
  }
});
