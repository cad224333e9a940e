import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkGraph,
  epidemicSchedule,
  onePeerExponentialSchedule,
  ring,
  staticSchedule,
  type TopologySchedule,
} from '../src/topology/index.ts';

function outLists(schedule: TopologySchedule, round: number, order: readonly number[]): number[][] {
  const lists: number[][] = [];
  for (const node of order) lists[node] = [...schedule.neighboursAt(node, round)];
  return lists;
}

describe('static schedule', () => {
  it('is constant and symmetric', () => {
    const graph = ring(8);
    const schedule = staticSchedule(graph);
    assert.equal(schedule.symmetric, true);
    assert.equal(schedule.timeVarying, false);
    assert.deepEqual(schedule.neighboursAt(0, 0), [1, 7]);
    assert.deepEqual(schedule.neighboursAt(0, 99), [1, 7]);
    assert.deepEqual(schedule.inNeighboursAt(3, 5), schedule.neighboursAt(3, 5));
    assert.equal(schedule.graphAt(12), graph);
    assert.throws(() => schedule.neighboursAt(8, 0), RangeError);
    assert.throws(() => schedule.neighboursAt(0, -1), RangeError);
  });
});

describe('epidemic schedule', () => {
  const n = 50;
  const s = 3;
  const forward = Array.from({ length: n }, (_, i) => i);
  const backward = [...forward].reverse();

  it('each node sends to s distinct peers, never itself', () => {
    const schedule = epidemicSchedule(n, s, 9);
    assert.equal(schedule.symmetric, false);
    assert.equal(schedule.timeVarying, true);
    outLists(schedule, 4, forward).forEach((peers, i) => {
      assert.equal(new Set(peers).size, s);
      assert.ok(!peers.includes(i) && peers.every((j) => j >= 0 && j < n));
      assert.deepEqual(
        peers,
        [...peers].sort((a, b) => a - b),
      );
    });
  });

  it('is reproducible regardless of call order and instance', () => {
    const a = outLists(epidemicSchedule(n, s, 9), 7, forward);
    const fresh = epidemicSchedule(n, s, 9);
    fresh.inNeighboursAt(0, 7); // fills the round cache first
    assert.deepEqual(outLists(fresh, 7, backward), a);
    assert.deepEqual(outLists(epidemicSchedule(n, s, 9), 7, backward), a);
  });

  it('varies by round and by seed', () => {
    const schedule = epidemicSchedule(n, s, 9);
    assert.notDeepEqual(outLists(schedule, 0, forward), outLists(schedule, 1, forward));
    assert.notDeepEqual(outLists(schedule, 0, forward), outLists(epidemicSchedule(n, s, 10), 0, forward));
  });

  it('in-neighbours are exactly the senders, and graphAt is their undirected union', () => {
    const schedule = epidemicSchedule(n, s, 9);
    const out = outLists(schedule, 3, forward);
    let inCount = 0;
    for (let j = 0; j < n; j++) {
      const senders = schedule.inNeighboursAt(j, 3);
      inCount += senders.length;
      for (const i of senders) assert.ok(out[i]!.includes(j));
    }
    assert.equal(inCount, n * s);
    const graph = schedule.graphAt(3);
    checkGraph(graph);
    out.forEach((peers, i) => peers.forEach((j) => assert.ok(graph.adj[i]!.includes(j))));
  });

  it('rejects s outside 1..n-1', () => {
    assert.throws(() => epidemicSchedule(4, 4, 1), /s: expected an integer in 1\.\.3/);
    assert.throws(() => epidemicSchedule(4, 0, 1), /s: expected/);
  });

  it('works with s = n - 1 (everyone)', () => {
    assert.deepEqual(epidemicSchedule(4, 3, 1).neighboursAt(2, 0), [0, 1, 3]);
  });
});

describe('one-peer exponential schedule', () => {
  it('cycles through powers of two', () => {
    const schedule = onePeerExponentialSchedule(16);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((t) => schedule.neighboursAt(5, t)),
      [[6], [7], [9], [13], [6]],
    );
    assert.deepEqual(schedule.inNeighboursAt(5, 2), [1]);
  });
});

describe('epidemic sampling', () => {
  it('picks every peer about equally often', () => {
    const n = 10;
    const s = 3;
    const rounds = 3000;
    const schedule = epidemicSchedule(n, s, 2);
    const counts = new Array<number>(n).fill(0);
    for (let t = 0; t < rounds; t++) for (const j of schedule.neighboursAt(0, t)) counts[j]!++;
    const expected = (rounds * s) / (n - 1);
    const sd = Math.sqrt(rounds * (s / (n - 1)) * (1 - s / (n - 1)));
    assert.equal(counts[0], 0);
    for (const c of counts.slice(1)) assert.ok(Math.abs(c - expected) < 5 * sd, `${counts.join(',')}`);
  });
});
