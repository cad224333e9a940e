/**
 * Static graph generators. Random ones take a seed and are reproducible; bad parameters throw
 * TopologyParamError naming the parameter.
 */
import { Rng } from '../util/rng.ts';
import { requireParam, TopologyParamError } from './errors.ts';
import { fromEdges, fromNeighbourSets, isConnected, type Edge, type Graph } from './graph.ts';

export function ring(n: number): Graph {
  requireNodeCount(n);
  return circulant(n, [1]);
}

export interface TorusShape {
  rows?: number | undefined;
  cols?: number | undefined;
}

/** rows × cols grid with wrap-around; without a shape, the most square factorisation of n. */
export function torus(n: number, shape: TorusShape = {}): Graph {
  requireNodeCount(n);
  const { rows, cols } = torusShape(n, shape);
  const edges: Edge[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const id = r * cols + c;
      edges.push([id, r * cols + ((c + 1) % cols)], [id, ((r + 1) % rows) * cols + c]);
    }
  }
  return fromEdges(
    n,
    edges.filter(([i, j]) => i !== j),
  );
}

export function torusShape(n: number, shape: TorusShape): { rows: number; cols: number } {
  const { rows, cols } = shape;
  if (rows !== undefined && cols !== undefined) {
    requireParam(rows * cols === n, 'rows', `rows × cols = n = ${n}`, `${rows} × ${cols}`);
    return { rows, cols };
  }
  if (rows !== undefined) {
    requireParam(n % rows === 0, 'rows', `a divisor of n = ${n}`, rows);
    return { rows, cols: n / rows };
  }
  if (cols !== undefined) {
    requireParam(n % cols === 0, 'cols', `a divisor of n = ${n}`, cols);
    return { rows: n / cols, cols };
  }
  let best = 1;
  for (let r = 1; r * r <= n; r++) if (n % r === 0) best = r;
  return { rows: best, cols: n / best };
}

export function full(n: number): Graph {
  requireNodeCount(n);
  const edges: Edge[] = [];
  addClique(edges, 0, n);
  return fromEdges(n, edges);
}

export function star(n: number, hub = 0): Graph {
  requireNodeCount(n);
  requireParam(Number.isInteger(hub) && hub >= 0 && hub < n, 'hub', `a node index in 0..${n - 1}`, hub);
  const edges: Edge[] = [];
  for (let i = 0; i < n; i++) if (i !== hub) edges.push([hub, i]);
  return fromEdges(n, edges);
}

/** Node i links to i ± 2^k (mod n) for every 2^k < n: degree about 2·log2(n). */
export function exponential(n: number): Graph {
  requireNodeCount(n);
  const offsets: number[] = [];
  for (let step = 1; step < n; step *= 2) offsets.push(step);
  return circulant(n, offsets);
}

export interface ErdosRenyiOptions {
  /** Resample until the graph is connected (default false). */
  connected?: boolean | undefined;
  /** Attempts before giving up when `connected` is set (default 100). */
  maxTries?: number | undefined;
}

/** G(n, p): every pair linked independently with probability p. */
export function erdosRenyi(n: number, p: number, seed: number, options: ErdosRenyiOptions = {}): Graph {
  requireNodeCount(n);
  requireParam(p > 0 && p <= 1, 'p', 'a number in (0, 1]', p);
  const maxTries = options.maxTries ?? 100;
  requireParam(Number.isInteger(maxTries) && maxTries >= 1, 'maxTries', 'an integer >= 1', maxTries);
  const rng = new Rng(seed);
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const graph = sampleGnp(n, p, rng);
    if (!options.connected || isConnected(graph)) return graph;
  }
  const threshold = (Math.log(n) / n).toPrecision(3);
  throw new TopologyParamError(
    'p',
    `no connected graph in ${maxTries} tries with p = ${p}; use p well above ln(n)/n = ${threshold}`,
  );
}

/** Uniform-ish random d-regular graph (pairing model with restarts, as in networkx). */
export function randomRegular(n: number, d: number, seed: number): Graph {
  requireNodeCount(n);
  requireParam(Number.isInteger(d) && d >= 0 && d < n, 'd', `an integer in 0..${n - 1} (below n)`, d);
  requireParam((n * d) % 2 === 0, 'd', `n·d to be even (n = ${n})`, d);
  const rng = new Rng(seed);
  // Dense pairings rarely succeed; the complement of a sparse regular graph is regular too.
  if (2 * d > n - 1) return complement(randomRegular(n, n - 1 - d, rng.nextUint32()));
  for (let attempt = 0; attempt < 100; attempt++) {
    const sets = tryRegularPairing(n, d, rng);
    if (sets) return fromNeighbourSets(sets);
  }
  throw new TopologyParamError('d', `could not build a ${d}-regular graph on ${n} nodes in 100 attempts`);
}

/** Preferential attachment: a clique on m+1 nodes, then each new node links to m distinct nodes ∝ degree. */
export function barabasiAlbert(n: number, m: number, seed: number): Graph {
  requireNodeCount(n);
  requireParam(Number.isInteger(m) && m >= 1 && m < n, 'm', `an integer in 1..${n - 1} (below n)`, m);
  const rng = new Rng(seed);
  const edges: Edge[] = [];
  addClique(edges, 0, m + 1);
  // Each node appears once per incident edge, so a uniform pick is degree-proportional.
  const endpoints: number[] = edges.flat();
  for (let v = m + 1; v < n; v++) {
    const targets = new Set<number>();
    while (targets.size < m) targets.add(endpoints[rng.int(endpoints.length)]!);
    for (const t of targets) {
      edges.push([v, t]);
      endpoints.push(v, t);
    }
  }
  return fromEdges(n, edges);
}

/** Watts–Strogatz: ring lattice with k nearest neighbours, each edge's far end rewired with probability beta. */
export function smallWorld(n: number, k: number, beta: number, seed: number): Graph {
  requireNodeCount(n);
  requireParam(Number.isInteger(k) && k >= 2 && k % 2 === 0 && k < n, 'k', `an even integer in 2..${n - 1}`, k);
  requireParam(beta >= 0 && beta <= 1, 'beta', 'a number in [0, 1]', beta);
  const rng = new Rng(seed);
  const lattice = circulant(
    n,
    Array.from({ length: k / 2 }, (_, j) => j + 1),
  );
  const sets = lattice.adj.map((list) => new Set(list));
  for (let j = 1; j <= k / 2; j++) {
    for (let u = 0; u < n; u++) {
      if (rng.next() >= beta) continue;
      const v = (u + j) % n;
      const mine = sets[u]!;
      if (!mine.has(v) || mine.size >= n - 1) continue;
      let w = rng.int(n);
      while (w === u || mine.has(w)) w = rng.int(n);
      mine.delete(v);
      sets[v]!.delete(u);
      mine.add(w);
      sets[w]!.add(u);
    }
  }
  return fromNeighbourSets(sets);
}

/** Two cliques of ⌊n/2⌋ and ⌈n/2⌉ nodes joined by `bridges` disjoint edges (default 1). */
export function dumbbell(n: number, bridges = 1): Graph {
  requireNodeCount(n, 2);
  const left = Math.floor(n / 2);
  requireParam(
    Number.isInteger(bridges) && bridges >= 1 && bridges <= left,
    'bridges',
    `an integer in 1..${left}`,
    bridges,
  );
  const edges: Edge[] = [];
  addClique(edges, 0, left);
  addClique(edges, left, n);
  for (let b = 0; b < bridges; b++) edges.push([left - 1 - b, left + b]);
  return fromEdges(n, edges);
}

function requireNodeCount(n: number, min = 1): void {
  requireParam(Number.isInteger(n) && n >= min, 'n', `an integer >= ${min}`, n);
}

/** Node i links to i ± o (mod n) for each offset o. */
function circulant(n: number, offsets: readonly number[]): Graph {
  const edges: Edge[] = [];
  for (const offset of offsets) {
    for (let i = 0; i < n; i++) {
      const j = (i + offset) % n;
      if (j !== i) edges.push([i, j]);
    }
  }
  return fromEdges(n, edges);
}

function addClique(edges: Edge[], from: number, to: number): void {
  for (let i = from; i < to; i++) for (let j = i + 1; j < to; j++) edges.push([i, j]);
}

/** Batagelj–Brandes geometric skipping: O(n + m) instead of testing all n²/2 pairs. */
function sampleGnp(n: number, p: number, rng: Rng): Graph {
  const edges: Edge[] = [];
  if (p === 1) {
    addClique(edges, 0, n);
    return fromEdges(n, edges);
  }
  const logQ = Math.log(1 - p);
  let v = 1;
  let w = -1;
  while (v < n) {
    w += 1 + Math.floor(Math.log(1 - rng.next()) / logQ);
    while (w >= v && v < n) {
      w -= v;
      v++;
    }
    if (v < n) edges.push([v, w]);
  }
  return fromEdges(n, edges);
}

/** One round of random pairing; null when the leftover stubs can no longer form a simple graph. */
function tryRegularPairing(n: number, d: number, rng: Rng): Array<Set<number>> | null {
  const sets = Array.from({ length: n }, () => new Set<number>());
  let stubs: number[] = [];
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) stubs.push(i);
  while (stubs.length > 0) {
    rng.shuffle(stubs);
    const unmatched: number[] = [];
    for (let k = 0; k + 1 < stubs.length; k += 2) {
      const a = stubs[k]!;
      const b = stubs[k + 1]!;
      if (a !== b && !sets[a]!.has(b)) {
        sets[a]!.add(b);
        sets[b]!.add(a);
      } else {
        unmatched.push(a, b);
      }
    }
    if (!canStillPair(unmatched, sets)) return null;
    stubs = unmatched;
  }
  return sets;
}

function canStillPair(stubs: readonly number[], sets: ReadonlyArray<ReadonlySet<number>>): boolean {
  if (stubs.length === 0) return true;
  const nodes = [...new Set(stubs)];
  for (let x = 0; x < nodes.length; x++) {
    for (let y = x + 1; y < nodes.length; y++) if (!sets[nodes[x]!]!.has(nodes[y]!)) return true;
  }
  return false;
}

function complement(graph: Graph): Graph {
  const adj = graph.adj.map((list, i) => {
    const out: number[] = [];
    let k = 0;
    for (let j = 0; j < graph.n; j++) {
      if (list[k] === j) k++;
      else if (j !== i) out.push(j);
    }
    return out;
  });
  return { n: graph.n, adj };
}
