/**
 * Round closing on a fake clock (the simulator's event queue, an in-memory transport, a scripted
 * learner): quorum, deadline, silent neighbours, staleness, pacing without live neighbours, the
 * runaway node of issue 10, and pruning of a departed peer's state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, getCodec } from '../src/compress/index.ts';
import { FakeNet, d, specHash } from './support/fake-net.ts';

const triangle = [
  ['A', 'B'],
  ['B', 'C'],
  ['A', 'C'],
] as const;
const fast = () => 10;

test('quorum: a round closes once both neighbours sent theirs, one link delay after publishing', async () => {
  const net = new FakeNet({ edges: triangle, config: {}, trainMs: fast });
  net.startAll();
  await net.runUntil(1000);
  net.stopAll();
  const rounds = net.rounds('A');
  assert.ok(rounds.length > 50, `${rounds.length} rounds`);
  for (const r of rounds) {
    assert.equal(r.closedBy, 'quorum');
    assert.equal(r.used, 2);
    assert.equal(r.closedAt - r.publishedAt, 5, `round ${r.round}`);
  }
});

test('deadline: a straggler closes the round at the adaptive deadline, its older update still used', async () => {
  const trainMs = (id: string, round: number) => (id === 'C' && round === 10 ? 1000 : 10);
  const net = new FakeNet({ edges: triangle, config: {}, trainMs });
  net.startAll();
  await net.runUntil(600);
  net.stopAll();
  const r = net.rounds('A').find((x) => x.round === 10)!;
  // Arrival delays of 5 ms: max(2·5, 5 + 3·0) = 10, floored at 50.
  assert.equal(r.closedBy, 'deadline');
  assert.equal(r.deadlineMs, 50);
  assert.equal(r.closedAt - r.publishedAt, 50);
  // C's round-9 model (one round stale) and B's fresh one.
  assert.equal(r.used, 2);
});

test('a neighbour that goes quiet stops counting within 3 deadlines, and counts again once it is back', async () => {
  const net = new FakeNet({ edges: triangle, config: {}, trainMs: fast });
  net.startAll();
  await net.runUntil(500);
  net.setUp('C', false);
  const downAt = 500;
  await net.runUntil(2000);
  const afterDown = net.rounds('A').filter((r) => r.startedAt >= downAt);
  const waited = afterDown.filter((r) => r.closedBy === 'deadline');
  assert.ok(waited.length >= 1 && waited.length <= 3, `${waited.length} rounds waited for C`);
  const freed = afterDown.find((r) => r.closedBy === 'quorum' && r.used === 1)!;
  assert.ok(freed.startedAt - downAt <= 3 * 50 + 3 * 10, `A waited for C until ${freed.startedAt}`);
  const c = net
    .node('A')
    .neighbourLiveness()
    .find((n) => n.peer === 'C')!;
  assert.equal(c.silent, true);
  net.setUp('C', true);
  await net.runUntil(5000);
  net.stopAll();
  assert.equal(
    net
      .node('A')
      .neighbourLiveness()
      .find((n) => n.peer === 'C')!.silent,
    false,
  );
  const last = net.rounds('A').slice(-10);
  assert.ok(
    last.every((r) => r.used === 2),
    `used ${last.map((r) => r.used)}`,
  );
});

test('staleness: an update one round old is discounted, one older than maxRounds is dropped', async () => {
  const staleness = { maxRounds: 1, discount: 0.5 };
  const config = { staleness, deadline: { capMs: 50 }, aggregator: { rule: 'mean' }, weights: 'uniform' };
  const net = new FakeNet({ edges: [['A', 'P']], scripted: ['P'], config, trainMs: fast });
  const a = net.node('A');
  a.start();
  const codec = getCodec({ name: 'none' });
  const payload = codec.encode(new Float32Array(d).fill(0.5), 0);
  const frame = encodeFrame({ codecId: codec.id, sender: 'P', round: 0, seq: 1, paramCount: d, specHash, payload });
  net.inject('P', 'A', frame);
  await net.runUntil(300);
  net.stopAll();
  const [r0, r1, r2] = net.rounds('A');
  // A's learner pulls toward 65 % 7 = 2: round 0 trains 0 → 0.2, then the mean with P's 0.5.
  assert.deepEqual([r0!.closedBy, r0!.used, r0!.staleDropped], ['quorum', 1, 0]);
  // Round 1: 0.35 → 0.515 by training; P's update is 1 round old: weight 0.5 · 0.5.
  assert.deepEqual([r1!.closedBy, r1!.used, r1!.staleDropped], ['deadline', 1, 0]);
  // Round 2: 2 rounds old, past maxRounds: left out; the model only trains.
  assert.deepEqual([r2!.used, r2!.staleDropped], [0, 1]);
  const [x0, x1, x2] = net.firstParam.get('A')!;
  const close = (x: number | undefined, y: number) =>
    assert.ok(x !== undefined && Math.abs(x - y) < 1e-6, `${x} is not ${y}`);
  close(x0, 0.35);
  close(x1, 0.75 * 0.515 + 0.25 * 0.5);
  close(x2, x1! + 0.1 * (2 - x1!));
});

test('no live neighbour: the node paces itself at one round per deadline (not 0 ms, not the 30 s cap)', async () => {
  const net = new FakeNet({ edges: triangle, config: {}, trainMs: fast });
  net.startAll();
  await net.runUntil(500);
  net.setUp('B', false);
  net.setUp('C', false);
  await net.runUntil(3000);
  net.stopAll();
  const alone = net.rounds('A').filter((r) => r.startedAt >= 1000);
  assert.ok(alone.length > 10, `${alone.length} rounds alone`);
  for (const r of alone) {
    assert.equal(r.closedBy, 'deadline');
    assert.equal(r.closedAt - r.publishedAt, 50, `round ${r.round}`);
  }
});

test('runaway (issue 10): no running ahead of neighbours that came back slower; it waits and uses them', async () => {
  // B and C are down from 1 s to 3 s, then back but loaded: a round takes them 120 ms.
  const trainMs = (id: string, _round: number, now: number) => (id !== 'A' && now >= 1000 ? 120 : 10);
  const net = new FakeNet({ edges: triangle, config: {}, trainMs });
  net.startAll();
  await net.runUntil(1000);
  net.setUp('B', false);
  net.setUp('C', false);
  await net.runUntil(3000);
  net.setUp('B', true);
  net.setUp('C', true);
  await net.runUntil(20_000);
  net.stopAll();
  // A keeps within S + 1 = 4 rounds of them (it closes once an update is usable again, S rounds old)...
  const lead = net.node('A').round - net.node('B').round;
  assert.ok(lead >= 0 && lead <= 4, `A is ${lead} rounds ahead of B`);
  assert.ok(net.node('B').round > 150, `B reached round ${net.node('B').round}`);
  // ...and every round takes in an update of theirs instead of dropping all as stale.
  const last = net.rounds('A').slice(-20);
  assert.ok(
    last.every((r) => r.used >= 1),
    `A used ${last.map((r) => r.used)} in its last rounds`,
  );
});

test('a departed peer is forgotten: its public copy is freed once its last update is too old to use', async () => {
  const net = new FakeNet({ edges: triangle, config: {}, trainMs: fast });
  net.startAll();
  await net.runUntil(300);
  assert.equal(net.node('A').stateBytes().inbox, 2 * 4 * d);
  net.unlink('A', 'C');
  await net.runUntil(600);
  net.stopAll();
  assert.equal(net.node('A').stateBytes().inbox, 4 * d);
  assert.ok(
    net
      .rounds('A')
      .slice(-5)
      .every((r) => r.used === 1 && r.closedBy === 'quorum'),
  );
});
