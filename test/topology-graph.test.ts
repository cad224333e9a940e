import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkGraph,
  components,
  degree,
  edgeCount,
  edgesOf,
  fromEdges,
  hasEdge,
  isConnected,
  metropolisWeights,
  removeNodes,
  ring,
  star,
} from '../src/topology/index.ts';

describe('graph', () => {
  it('fromEdges sorts, symmetrises and drops duplicate edges', () => {
    const g = fromEdges(4, [
      [2, 0],
      [0, 2],
      [1, 0],
      [3, 2],
    ]);
    assert.deepEqual(g.adj, [[1, 2], [0], [0, 3], [2]]);
    assert.equal(edgeCount(g), 3);
    assert.deepEqual(edgesOf(g), [
      [0, 1],
      [0, 2],
      [2, 3],
    ]);
    assert.equal(degree(g, 0), 2);
    assert.ok(hasEdge(g, 3, 2) && !hasEdge(g, 1, 3));
    checkGraph(g);
  });

  it('fromEdges rejects self-loops and out-of-range nodes', () => {
    assert.throws(
      () =>
        fromEdges(3, [
          [0, 1],
          [1, 1],
        ]),
      /^TopologyParamError: edges\[1\]: expected two different nodes/,
    );
    assert.throws(() => fromEdges(3, [[0, 3]]), /edges\[0\]: expected node indices in 0\.\.2, got \[0,3\]/);
    assert.throws(() => fromEdges(3, [[-1, 0]]), /edges\[0\]: expected node indices/);
  });

  it('checkGraph catches asymmetric and unsorted adjacency', () => {
    assert.throws(() => checkGraph({ n: 2, adj: [[1], []] }), /not symmetric/);
    assert.throws(() => checkGraph({ n: 3, adj: [[2, 1], [0], [0]] }), /strictly increasing/);
    assert.throws(() => checkGraph({ n: 1, adj: [[0]] }), /self-loop/);
  });

  it('components and isConnected', () => {
    const g = fromEdges(6, [
      [0, 1],
      [1, 2],
      [4, 5],
    ]);
    assert.deepEqual(components(g), [[0, 1, 2], [3], [4, 5]]);
    assert.equal(isConnected(g), false);
    assert.equal(isConnected(ring(5)), true);
    assert.equal(isConnected(fromEdges(1, [])), true);
  });

  it('removeNodes gives the induced graph on survivors with original ids', () => {
    const { graph, original } = removeNodes(ring(6), [0, 3]);
    assert.deepEqual(original, [1, 2, 4, 5]);
    assert.deepEqual(graph.adj, [[1], [0], [3], [2]]);
    assert.equal(components(graph).length, 2);
    assert.equal(removeNodes(star(5), [0]).graph.n, 4);
    assert.equal(edgeCount(removeNodes(star(5), [0]).graph), 0);
  });

  it('metropolisWeights are symmetric and rows sum to 1', () => {
    const g = star(5);
    for (let i = 0; i < g.n; i++) {
      const { self, neighbours, weights } = metropolisWeights(g, i);
      assert.ok(Math.abs(self + weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
      assert.ok(self >= 0);
      neighbours.forEach((j, k) => {
        const back = metropolisWeights(g, j);
        assert.equal(weights[k], back.weights[back.neighbours.indexOf(i)]);
      });
    }
    assert.deepEqual(metropolisWeights(g, 1).weights, [1 / 5]);
  });
});
