import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeConfig } from '../src/core/config.ts';
import { sgmEpsilon } from '../src/privacy/accountant.ts';
import { toJsonl } from '../src/sim/output.ts';
import { runSimulation } from '../src/sim/run.ts';
import { parseScenario } from '../src/sim/scenario.ts';
import { ConfigError } from '../src/util/validate.ts';

const task = {
  seed: 5,
  dataset: { type: 'synthetic', samples: 1000, dim: 10, classes: 3, separation: 4 },
  model: { type: 'logreg' },
};
const base = {
  nodes: 4,
  rounds: 8,
  topology: { generator: { type: 'ring' } },
  eval: { sampleNodes: 4, testSamples: 200 },
};
const node = { localSteps: 4, batchSize: 20, optimizer: { type: 'sgd', lr: 0.2 } };

test('a node that reaches targetEpsilon stops publishing, and ε never passes the target', async () => {
  const privacy = { clip: 1, noiseMultiplier: 1.5, delta: 1e-5, targetEpsilon: 1.75, mode: 'dp-sgd' };
  const logs: string[] = [];
  const r = await runSimulation(parseScenario({ ...base, task: { ...task, node: { ...node, privacy } } }), {
    log: (m) => logs.push(m),
  });
  const lines = r.lines.filter((l) => l.index === 0).sort((a, b) => a.round - b.round);
  assert.equal(lines.length, base.rounds);
  const stoppedAt = lines.findIndex((l) => l.privacy!.stopped);
  assert.ok(stoppedAt > 0 && stoppedAt < base.rounds, `stopped at round ${stoppedAt}`);
  for (const l of lines.slice(0, stoppedAt)) assert.ok(l.bytesSentPayload > 0, `round ${l.round} published`);
  for (const l of lines.slice(stoppedAt)) {
    assert.equal(l.bytesSentPayload, 0, `round ${l.round} published after the budget`);
    assert.equal(l.privacy!.steps, stoppedAt * node.localSteps, 'no more DP steps');
  }
  // It still aggregates what its neighbours last sent (until that goes stale: here they all stopped).
  assert.ok(lines[stoppedAt]!.used > 0, 'keeps aggregating');
  for (const l of lines) assert.ok(l.privacy!.epsilon <= privacy.targetEpsilon);
  assert.ok(lines[stoppedAt - 1]!.privacy!.epsilon > 1.5, 'it spent most of the budget first');
  const said = /^n0 reached its privacy budget \(ε = [0-9.]+\) at round \d+: stops training and publishing$/;
  assert.ok(
    logs.some((m) => said.test(m)),
    logs.join('\n'),
  );
  assert.deepEqual(r.summary.privacy!.stoppedNodes, [0, 1, 2, 3]);
  assert.ok(r.summary.privacy!.epsilonMax <= 1.75);
});

test('ε in the JSONL is what the accountant gives for the node’s q and steps; the run is reproducible', async () => {
  const privacy = { clip: 0.5, noiseMultiplier: 1.1, delta: 1e-5, mode: 'dice' };
  const sc = parseScenario({ ...base, rounds: 3, task: { ...task, node: { ...node, privacy } } });
  const a = await runSimulation(sc);
  const b = await runSimulation(sc);
  assert.equal(toJsonl(a), toJsonl(b));
  const l = a.lines.find((x) => x.index === 2 && x.round === 2)!;
  assert.equal(l.privacy!.steps, 3 * node.localSteps);
  const eps = l.privacy!.epsilon;
  // Shards are ~200 records here (1000 × 0.8 / 4, Dirichlet-free iid): q = 20 / shard size.
  const epsilonFor = (n: number): number => sgmEpsilon({ q: 20 / n, sigma: 1.1, steps: 12, delta: 1e-5 }).epsilon;
  const candidates = [150, 175, 200, 225, 250].map(epsilonFor);
  assert.ok(eps >= Math.min(...candidates) && eps <= Math.max(...candidates), `ε ${eps}`);
  assert.ok(a.summary.privacy && a.summary.privacy.mode === 'dice' && a.summary.privacy.stoppedNodes.length === 0);
});

test('without privacy the JSONL has no privacy fields', async () => {
  const r = await runSimulation(parseScenario({ ...base, rounds: 2, task: { ...task, node } }));
  const text = toJsonl(r);
  assert.doesNotMatch(text, /privacy/);
});

test('privacy config errors name the key', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ privacy: { noiseMultiplier: 1, delta: 1e-5 } }, /^node: privacy\.clip: Required/],
    [{ privacy: { clip: 1, noiseMultiplier: -1, delta: 1e-5 } }, /^node: privacy\.noiseMultiplier: .*-1/],
    [{ privacy: { clip: 1, noiseMultiplier: 1, delta: 2 } }, /^node: privacy\.delta: /],
    [{ privacy: { clip: 1, noiseMultiplier: 1, delta: 1e-5, mode: 'dpsgd' } }, /^node: privacy\.mode: /],
    [{ privacy: { clip: 1, noiseMultiplier: 1, delta: 1e-5, errorClip: 2 } }, /^node: privacy\.errorClip: only/],
    [{ privacy: { clip: 1, noiseMultiplier: 1, delta: 1e-5, targetEpsilon: 0 } }, /^node: privacy\.targetEpsilon: /],
    [{ privacy: { clip: 1, noiseMultiplier: 1, delta: 1e-5, sigma: 3 } }, /^node: privacy: Unrecognized key.*sigma/],
  ];
  for (const [input, re] of bad)
    assert.throws(
      () => parseNodeConfig(input),
      (e: unknown) => e instanceof ConfigError && re.test(e.message),
      JSON.stringify(input),
    );
  assert.throws(
    () =>
      parseScenario(
        { ...base, task: { ...task, node: { privacy: { clip: 'big', noiseMultiplier: 1, delta: 1e-5 } } } },
        's.json',
      ),
    (e: unknown) => e instanceof ConfigError && /^s\.json: task\.node\.privacy\.clip: /.test(e.message),
  );
  const ok = parseNodeConfig({ privacy: { clip: 1, noiseMultiplier: 1, delta: 1e-5 } });
  assert.equal(ok.privacy!.mode, 'dp-sgd');
});
