import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phaseTimes, phaseTimesSince, timePhase } from '../src/util/phase-clock.ts';
import { runSimulation } from '../src/sim/run.ts';
import { parseScenario } from '../src/sim/scenario.ts';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('timePhase adds the wall time of its function to that phase only, also when it throws', () => {
  const start = phaseTimes();
  assert.equal(
    timePhase('mix', () => {
      busy(5);
      return 7;
    }),
    7,
  );
  assert.throws(() =>
    timePhase('decode', () => {
      busy(3);
      throw new Error('bad frame');
    }),
  );
  const spent = phaseTimesSince(start);
  assert.ok(spent.mix >= 5 && spent.mix < 1000, `mix ${spent.mix}`);
  assert.ok(spent.decode >= 3 && spent.decode < 1000, `decode ${spent.decode}`);
  assert.equal(spent.encode, 0);
  assert.equal(spent.fold, 0);
});

test("a simulation reports its own gossip phases inside its loop's time", async () => {
  const sc = parseScenario({
    nodes: 4,
    rounds: 3,
    workers: 0,
    topology: { generator: { type: 'ring' } },
    task: {
      seed: 5,
      dataset: { type: 'synthetic', samples: 800, dim: 40, classes: 4, separation: 4 },
      model: { type: 'mlp', hidden: [16] },
      node: { localSteps: 2, batchSize: 16, codec: { name: 'layered' } },
    },
    eval: { sampleNodes: 2, testSamples: 100 },
  });
  await runSimulation(sc);
  const { loopMs, phases } = (await runSimulation(sc)).timing;
  assert.ok(phases.pricing > 0 && phases.encode > phases.pricing, JSON.stringify(phases));
  assert.ok(phases.decode > 0 && phases.fold > 0 && phases.mix > 0, JSON.stringify(phases));
  const sum = phases.encode + phases.decode + phases.fold + phases.mix;
  assert.ok(sum < loopMs, `phases ${sum} ms, loop ${loopMs} ms`);
});
