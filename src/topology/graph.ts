/**
 * Undirected simple graphs on nodes 0..n-1, stored as sorted adjacency lists.
 * Every function here treats `adj` as read-only; build graphs with `fromEdges` or `fromNeighbourSets`.
 */
import { requireParam } from './errors.ts';

export interface Graph {
  n: number;
  /** adj[i] = neighbours of i, strictly increasing, symmetric, never containing i. */
  adj: number[][];
}

export type Edge = readonly [number, number];

export function degree(graph: Graph, node: number): number {
  return graph.adj[node]!.length;
}

export function edgeCount(graph: Graph): number {
  let twice = 0;
  for (const list of graph.adj) twice += list.length;
  return twice / 2;
}

/** Each edge once, as [i, j] with i < j, in increasing order. */
export function edgesOf(graph: Graph): Array<[number, number]> {
  const edges: Array<[number, number]> = [];
  graph.adj.forEach((list, i) => {
    for (const j of list) if (j > i) edges.push([i, j]);
  });
  return edges;
}

/**
 * Builds a graph from an edge list; duplicate edges are dropped. Self-loops and out-of-range nodes
 * throw TopologyParamError with key "edges[index]".
 */
export function fromEdges(n: number, edges: Iterable<Edge>): Graph {
  requireParam(Number.isInteger(n) && n >= 0, 'n', 'a non-negative integer', n);
  const adj: number[][] = Array.from({ length: n }, () => []);
  let index = 0;
  for (const [i, j] of edges) {
    const key = `edges[${index}]`;
    for (const node of [i, j])
      requireParam(Number.isInteger(node) && node >= 0 && node < n, key, `node indices in 0..${n - 1}`, [i, j]);
    requireParam(i !== j, key, 'two different nodes (no self-loops)', [i, j]);
    adj[i]!.push(j);
    adj[j]!.push(i);
    index++;
  }
  for (const list of adj) sortUnique(list);
  return { n, adj };
}

/** Builds a graph from per-node neighbour sets that are already symmetric and loop-free. */
export function fromNeighbourSets(sets: ReadonlyArray<ReadonlySet<number>>): Graph {
  return { n: sets.length, adj: sets.map((set) => Array.from(set).sort(byNumber)) };
}

/** Throws if `graph` is not a well-formed undirected simple graph (sorted, in range, loop-free, symmetric). */
export function checkGraph(graph: Graph): void {
  const { n, adj } = graph;
  if (adj.length !== n) throw new Error(`adjacency has ${adj.length} lists for n = ${n}`);
  adj.forEach((list, i) => {
    list.forEach((j, k) => {
      if (!Number.isInteger(j) || j < 0 || j >= n) throw new Error(`node ${i}: neighbour ${j} out of range`);
      if (j === i) throw new Error(`node ${i}: self-loop`);
      if (k > 0 && list[k - 1]! >= j) throw new Error(`node ${i}: neighbours not strictly increasing`);
      if (!hasEdge(graph, j, i)) throw new Error(`edge ${i}-${j} is not symmetric`);
    });
  });
}

export function hasEdge(graph: Graph, i: number, j: number): boolean {
  return binarySearch(graph.adj[i]!, j);
}

/** Connected components, each sorted, ordered by their smallest node. */
export function components(graph: Graph): number[][] {
  const label = new Int32Array(graph.n).fill(-1);
  const queue = new Int32Array(graph.n);
  const result: number[][] = [];
  for (let start = 0; start < graph.n; start++) {
    if (label[start] !== -1) continue;
    const id = result.length;
    label[start] = id;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    while (head < tail) {
      const u = queue[head++]!;
      for (const v of graph.adj[u]!) {
        if (label[v] === -1) {
          label[v] = id;
          queue[tail++] = v;
        }
      }
    }
    result.push(Array.from(queue.subarray(0, tail)).sort(byNumber));
  }
  return result;
}

/** True for the empty and one-node graphs, and whenever all nodes share one component. */
export function isConnected(graph: Graph): boolean {
  return graph.n <= 1 || components(graph).length === 1;
}

export interface InducedSubgraph {
  /** The survivors relabelled 0..k-1, with the edges among them. */
  graph: Graph;
  /** original[newLabel] = node id in the full graph. */
  original: number[];
}

/** What is left after the given nodes leave (churn): the subgraph induced on the survivors. */
export function removeNodes(graph: Graph, removed: Iterable<number>): InducedSubgraph {
  const gone = new Set(removed);
  const original: number[] = [];
  const newLabel = new Int32Array(graph.n).fill(-1);
  for (let i = 0; i < graph.n; i++) {
    if (gone.has(i)) continue;
    newLabel[i] = original.length;
    original.push(i);
  }
  const adj = original.map((i) => {
    const list: number[] = [];
    for (const j of graph.adj[i]!) if (newLabel[j] !== -1) list.push(newLabel[j]!);
    return list;
  });
  return { graph: { n: original.length, adj }, original };
}

export interface MixingWeights {
  /** Weight node i keeps for its own model. */
  self: number;
  /** The neighbours, same order as graph.adj[i]. */
  neighbours: readonly number[];
  /** weights[k] applies to neighbours[k]. Together with `self` they sum to 1. */
  weights: number[];
}

/** Metropolis–Hastings weights: 1 / (1 + max(deg i, deg j)) per neighbour, the rest stays with i. */
export function metropolisWeights(graph: Graph, i: number): MixingWeights {
  const neighbours = graph.adj[i]!;
  const di = neighbours.length;
  const weights = neighbours.map((j) => 1 / (1 + Math.max(di, graph.adj[j]!.length)));
  const self = 1 - weights.reduce((a, b) => a + b, 0);
  return { self, neighbours, weights };
}

function byNumber(a: number, b: number): number {
  return a - b;
}

function sortUnique(list: number[]): void {
  list.sort(byNumber);
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    if (r === 0 || list[r] !== list[r - 1]) list[w++] = list[r]!;
  }
  list.length = w;
}

function binarySearch(sorted: readonly number[], value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
