/**
 * Who talks to whom in each round. Static graphs are constant, symmetric schedules; time-varying ones
 * (Epidemic Learning, one-peer exponential) are directed: each node picks whom it sends to.
 */
import { deriveSeed, Rng } from '../util/rng.ts';
import { requireParam } from './errors.ts';
import { fromEdges, type Edge, type Graph } from './graph.ts';

export interface TopologySchedule {
  readonly n: number;
  /**
   * True when neighbour sets are symmetric (j ∈ neighboursAt(i) ⇔ i ∈ neighboursAt(j)), so
   * neighboursAt and inNeighboursAt agree. False for directed schedules such as epidemic.
   */
  readonly symmetric: boolean;
  /** False when every round has the same graph. */
  readonly timeVarying: boolean;
  /** Out-neighbours: the nodes `node` sends to in `round` (sorted). Symmetric schedules: also who it hears from. */
  neighboursAt(node: number, round: number): readonly number[];
  /** In-neighbours: the nodes that send to `node` in `round` (sorted). */
  inNeighboursAt(node: number, round: number): readonly number[];
  /** The round's communication graph, undirected: directed schedules give i–j when either sends to the other. */
  graphAt(round: number): Graph;
}

export function staticSchedule(graph: Graph): TopologySchedule {
  const neighboursAt = (node: number, round: number): readonly number[] => {
    checkNodeAndRound(graph.n, node, round);
    return graph.adj[node]!;
  };
  return {
    n: graph.n,
    symmetric: true,
    timeVarying: false,
    neighboursAt,
    inNeighboursAt: neighboursAt,
    graphAt: (round) => {
      checkNodeAndRound(graph.n, 0, round);
      return graph;
    },
  };
}

/**
 * Epidemic Learning: every round each node sends to s peers drawn uniformly without replacement.
 * The draw depends only on (seed, round, node), so any call order gives the same peers.
 */
export function epidemicSchedule(n: number, s: number, seed: number): TopologySchedule {
  requireParam(Number.isInteger(n) && n >= 2, 'n', 'an integer >= 2', n);
  requireParam(Number.isInteger(s) && s >= 1 && s <= n - 1, 's', `an integer in 1..${n - 1} (below n)`, s);
  return directedSchedule(n, (node, round) => {
    const rng = new Rng(deriveSeed(seed, 'epidemic', round, node));
    return sampleWithout(rng, n, node, s);
  });
}

/** One-peer exponential graph (Ying et al. 2021): in round t node i sends to i + 2^(t mod ⌈log2 n⌉). */
export function onePeerExponentialSchedule(n: number): TopologySchedule {
  requireParam(Number.isInteger(n) && n >= 2, 'n', 'an integer >= 2', n);
  const period = Math.ceil(Math.log2(n));
  return directedSchedule(n, (node, round) => [(node + 2 ** (round % period)) % n]);
}

/** A directed time-varying schedule from a pure out-neighbour function; in-lists are built per round and cached. */
function directedSchedule(n: number, outOf: (node: number, round: number) => number[]): TopologySchedule {
  const cache = new Map<number, { out: number[][]; in: number[][] }>();
  const roundLists = (round: number): { out: number[][]; in: number[][] } => {
    let lists = cache.get(round);
    if (!lists) {
      const out = Array.from({ length: n }, (_, i) => outOf(i, round));
      const inn: number[][] = Array.from({ length: n }, () => []);
      out.forEach((targets, i) => targets.forEach((j) => inn[j]!.push(i)));
      lists = { out, in: inn };
      if (cache.size >= 4) cache.delete(cache.keys().next().value!);
      cache.set(round, lists);
    }
    return lists;
  };
  return {
    n,
    symmetric: false,
    timeVarying: true,
    neighboursAt: (node, round) => {
      checkNodeAndRound(n, node, round);
      return cache.get(round)?.out[node] ?? outOf(node, round);
    },
    inNeighboursAt: (node, round) => {
      checkNodeAndRound(n, node, round);
      return roundLists(round).in[node]!;
    },
    graphAt: (round) => {
      checkNodeAndRound(n, 0, round);
      const edges: Edge[] = [];
      roundLists(round).out.forEach((targets, i) => targets.forEach((j) => edges.push([i, j])));
      return fromEdges(n, edges);
    },
  };
}

/** s distinct nodes from 0..n-1 other than `self`, sorted (Floyd's algorithm: O(s) draws). */
function sampleWithout(rng: Rng, n: number, self: number, s: number): number[] {
  const others = n - 1;
  const chosen = new Set<number>();
  for (let j = others - s; j < others; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Array.from(chosen, (x) => (x >= self ? x + 1 : x)).sort((a, b) => a - b);
}

function checkNodeAndRound(n: number, node: number, round: number): void {
  if (!Number.isInteger(node) || node < 0 || node >= n)
    throw new RangeError(`node ${node} is out of range 0..${n - 1}`);
  if (!Number.isInteger(round) || round < 0) throw new RangeError(`round must be a non-negative integer, got ${round}`);
}
