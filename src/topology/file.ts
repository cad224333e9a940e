/**
 * Loading topologies from files or embedded specs, resolving the node count against the scenario's,
 * and rejecting disconnected static graphs unless asked not to.
 */
import { resolve } from 'node:path';
import { readJsonFile } from '../util/json-file.ts';
import { deriveSeed } from '../util/rng.ts';
import { ConfigError } from '../util/validate.ts';
import { buildGraph, buildTimeVarying } from './build.ts';
import { describeValue, TopologyParamError } from './errors.ts';
import { components, fromEdges, type Graph } from './graph.ts';
import { staticSchedule, type TopologySchedule } from './schedule.ts';
import { joinKey, parseTopologySpec, specError, type TopologySpec } from './spec.ts';

export interface TopologyOptions {
  /** The scenario's node count. Required unless the topology fixes n; must agree with it if it does. */
  n?: number | undefined;
  /** Scenario seed; random generators and schedules derive their own seed from it. */
  seed: number;
  /** Accept a disconnected static graph instead of throwing (default false). */
  allowDisconnected?: boolean | undefined;
  /** Directory that file paths are resolved against (default: the working directory). */
  baseDir?: string | undefined;
}

export interface Topology {
  name: string;
  description: string;
  /** Where it was defined, e.g. "topologies/ring.json". */
  source: string;
  n: number;
  schedule: TopologySchedule;
  /** The fixed graph of a static topology; null when time-varying (use schedule.graphAt). */
  graph: Graph | null;
}

/** Reads and builds a topology file. */
export function loadTopology(path: string, options: TopologyOptions): Topology {
  const spec = parseTopologySpec(readJsonFile(resolve(options.baseDir ?? '.', path), path), path);
  if (spec.kind === 'file')
    throw new ConfigError(`${path}: expected a topology object, got ${describeValue(spec.path)}`);
  return buildTopology(spec, options);
}

/** Builds a parsed spec; a file reference (a string in a scenario) is loaded. */
export function buildTopology(spec: TopologySpec, options: TopologyOptions): Topology {
  if (spec.kind === 'file') return loadTopology(spec.path, options);
  const n = resolveNodeCount(spec, options.n);
  const seed = deriveSeed(options.seed, 'topology');
  const source = spec.origin.source;
  const name = spec.name ?? defaultName(spec);
  const description = spec.description ?? '';
  if (spec.kind === 'time-varying') {
    const schedule = withParamKeys(spec, 'timeVarying', () => buildTimeVarying(spec.timeVarying, n, seed));
    return { name, description, source, n, schedule, graph: null };
  }
  const graph =
    spec.kind === 'generator'
      ? withParamKeys(spec, 'generator', () => buildGraph(spec.generator, n, seed))
      : withParamKeys(spec, '', () => fromEdges(n, spec.edges));
  if (!options.allowDisconnected) requireConnected(spec, graph);
  return { name, description, source, n, schedule: staticSchedule(graph), graph };
}

type InlineSpec = Exclude<TopologySpec, { kind: 'file' }>;

function resolveNodeCount(spec: InlineSpec, scenarioN: number | undefined): number {
  const [key, fixed] = fixedNodeCount(spec);
  if (scenarioN !== undefined) {
    if (!Number.isInteger(scenarioN) || scenarioN < 1)
      throw new RangeError(`scenario node count must be an integer >= 1, got ${scenarioN}`);
    if (fixed !== undefined && fixed !== scenarioN) {
      throw specError(spec.origin, key, `the topology fixes n = ${fixed} but the scenario has ${scenarioN} nodes`);
    }
  }
  const n = fixed ?? scenarioN ?? (spec.kind === 'edges' ? largestNode(spec.edges) + 1 : undefined);
  if (n === undefined)
    throw specError(spec.origin, key, 'missing; give n in the topology or pass the scenario node count');
  return n;
}

function fixedNodeCount(spec: InlineSpec): [key: string, n: number | undefined] {
  switch (spec.kind) {
    case 'edges':
      return ['n', spec.n];
    case 'time-varying':
      return ['timeVarying.n', spec.timeVarying.n];
    case 'generator': {
      const g = spec.generator;
      const cells = g.type === 'torus' && g.rows !== undefined && g.cols !== undefined ? g.rows * g.cols : undefined;
      return ['generator.n', g.n ?? cells];
    }
  }
}

function largestNode(edges: ReadonlyArray<readonly [number, number]>): number {
  let max = 0;
  for (const [i, j] of edges) max = Math.max(max, i, j);
  return max;
}

/** Re-throws parameter errors as one-line errors naming the file and full key. */
function withParamKeys<T>(spec: InlineSpec, section: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof TopologyParamError) throw specError(spec.origin, joinKey(section, err.key), err.detail);
    throw err;
  }
}

function requireConnected(spec: InlineSpec, graph: Graph): void {
  const parts = components(graph);
  if (parts.length <= 1) return;
  const largest = Math.max(...parts.map((part) => part.length));
  throw specError(
    spec.origin,
    '',
    `graph is disconnected: ${parts.length} components (largest has ${largest} of ${graph.n} nodes); ` +
      'set allowDisconnected to accept it',
  );
}

function defaultName(spec: InlineSpec): string {
  if (spec.kind === 'generator') return spec.generator.type;
  if (spec.kind === 'time-varying') return spec.timeVarying.type;
  return 'edge-list';
}
