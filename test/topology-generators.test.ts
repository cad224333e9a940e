import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  barabasiAlbert,
  checkGraph,
  degree,
  dumbbell,
  edgeCount,
  erdosRenyi,
  exponential,
  full,
  type Graph,
  isConnected,
  randomRegular,
  ring,
  smallWorld,
  star,
  torus,
  TopologyParamError,
} from '../src/topology/index.ts';

const degrees = (g: Graph): number[] => g.adj.map((_, i) => degree(g, i));
const allEqual = (values: number[], expected: number): boolean => values.every((v) => v === expected);

describe('generators: node count and degrees', () => {
  const n = 64;
  const cases: Array<[string, Graph, (g: Graph) => boolean]> = [
    ['ring', ring(n), (g) => allEqual(degrees(g), 2)],
    ['torus', torus(n), (g) => allEqual(degrees(g), 4)],
    ['torus 4x16', torus(n, { rows: 4 }), (g) => allEqual(degrees(g), 4) && g.adj[0]!.includes(16 * 3)],
    ['full', full(n), (g) => allEqual(degrees(g), n - 1)],
    ['star', star(n), (g) => degree(g, 0) === n - 1 && allEqual(degrees(g).slice(1), 1)],
    ['star hub 5', star(n, 5), (g) => degree(g, 5) === n - 1],
    ['exponential', exponential(n), (g) => allEqual(degrees(g), 2 * Math.log2(n) - 1)],
    ['random-regular d=3', randomRegular(n, 3, 7), (g) => allEqual(degrees(g), 3)],
    ['random-regular d=50 (dense)', randomRegular(n, 50, 7), (g) => allEqual(degrees(g), 50)],
    ['barabasi-albert m=3', barabasiAlbert(n, 3, 7), (g) => Math.min(...degrees(g)) >= 3],
    ['small-world k=4', smallWorld(n, 4, 0.2, 7), (g) => edgeCount(g) === 2 * n && Math.min(...degrees(g)) >= 2],
    ['small-world beta=0 is the lattice', smallWorld(n, 6, 0, 7), (g) => allEqual(degrees(g), 6)],
    ['dumbbell', dumbbell(n), (g) => edgeCount(g) === 2 * ((32 * 31) / 2) + 1],
    ['erdos-renyi connected', erdosRenyi(n, 0.1, 7, { connected: true }), (g) => isConnected(g)],
  ];
  for (const [label, graph, property] of cases) {
    it(label, () => {
      assert.equal(graph.n, n);
      checkGraph(graph);
      assert.ok(property(graph), `${label}: degrees ${degrees(graph).join(',')}`);
    });
  }

  it('exponential degree is about log2 n for non-powers of two', () => {
    for (const size of [10, 100, 1000]) {
      const ds = degrees(exponential(size));
      const log = Math.ceil(Math.log2(size));
      assert.ok(
        ds.every((d) => d >= log && d <= 2 * log),
        `n=${size}: ${ds[0]}`,
      );
    }
  });

  it('torus picks the most square shape and falls back to a ring for primes', () => {
    assert.ok(allEqual(degrees(torus(12)), 4)); // 3 x 4
    assert.ok(allEqual(degrees(torus(13)), 2));
  });

  it('degenerate sizes stay simple graphs', () => {
    for (const g of [
      ring(1),
      ring(2),
      torus(2),
      exponential(2),
      full(1),
      star(1),
      dumbbell(2),
      randomRegular(2, 1, 1),
    ]) {
      checkGraph(g);
    }
    assert.equal(edgeCount(ring(2)), 1);
  });
});

describe('generators: statistics', () => {
  it('barabasi-albert has about m·n edges', () => {
    const n = 1000;
    for (const m of [1, 2, 5]) {
      const g = barabasiAlbert(n, m, 3);
      checkGraph(g);
      assert.equal(edgeCount(g), (m * (m + 1)) / 2 + m * (n - m - 1));
      assert.ok(Math.abs(edgeCount(g) / (m * n) - 1) < 0.01);
    }
  });

  it('erdos-renyi mean degree is about p(n-1)', () => {
    const n = 1000;
    for (const p of [0.01, 0.05, 0.3]) {
      const g = erdosRenyi(n, p, 11);
      checkGraph(g);
      const mean = (2 * edgeCount(g)) / n;
      const expected = p * (n - 1);
      // Edge count is binomial: allow 4 standard deviations.
      const sd = (2 * Math.sqrt(((n * (n - 1)) / 2) * p * (1 - p))) / n;
      assert.ok(Math.abs(mean - expected) < 4 * sd, `p=${p}: mean ${mean} vs ${expected}`);
    }
  });

  it('random-regular is exactly d-regular at n = 1000 and 10,000', () => {
    for (const [n, d] of [
      [1000, 6],
      [10000, 4],
      [1000, 997],
    ] as const) {
      const g = randomRegular(n, d, 5);
      checkGraph(g);
      assert.ok(allEqual(degrees(g), d));
    }
  });
});

describe('generators: seeding', () => {
  const seeded: Array<[string, (seed: number) => Graph]> = [
    ['erdos-renyi', (seed) => erdosRenyi(200, 0.05, seed)],
    ['random-regular', (seed) => randomRegular(200, 4, seed)],
    ['barabasi-albert', (seed) => barabasiAlbert(200, 2, seed)],
    ['small-world', (seed) => smallWorld(200, 4, 0.3, seed)],
  ];
  for (const [label, make] of seeded) {
    it(`${label}: same seed same graph, other seed other graph`, () => {
      assert.deepEqual(make(42), make(42));
      assert.notDeepEqual(make(42), make(43));
    });
  }
});

describe('generators: parameter errors name the parameter', () => {
  const bad: Array<[string, () => Graph]> = [
    ['n', () => ring(0)],
    ['p', () => erdosRenyi(10, 0, 1)],
    ['p', () => erdosRenyi(50, 0.001, 1, { connected: true, maxTries: 3 })],
    ['d', () => randomRegular(5, 3, 1)],
    ['d', () => randomRegular(5, 5, 1)],
    ['m', () => barabasiAlbert(5, 5, 1)],
    ['k', () => smallWorld(10, 3, 0.1, 1)],
    ['beta', () => smallWorld(10, 4, 1.5, 1)],
    ['rows', () => torus(12, { rows: 5 })],
    ['hub', () => star(4, 4)],
    ['bridges', () => dumbbell(6, 4)],
  ];
  for (const [key, make] of bad) {
    it(`${key}: ${make.toString().slice(6)}`, () => {
      assert.throws(make, (err: unknown) => err instanceof TopologyParamError && err.key === key);
    });
  }
});
