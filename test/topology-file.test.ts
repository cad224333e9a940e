import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  buildTopology,
  checkGraph,
  degree,
  isConnected,
  loadTopology,
  parseTopologySpec,
  type TopologyOptions,
} from '../src/topology/index.ts';
import { ConfigError } from '../src/util/validate.ts';

const projectRoot = join(import.meta.dirname, '..');
const fileNames = readdirSync(join(projectRoot, 'topologies')).filter((f) => f.endsWith('.json'));
const build = (spec: unknown, options: Partial<TopologyOptions> = {}) =>
  buildTopology(parseTopologySpec(spec, 'topologies/foo.json'), { seed: 1, ...options });

describe('topologies/ files', () => {
  it('there are at least 8, including time-varying and edge-list examples', () => {
    assert.ok(fileNames.length >= 8);
    const raws = fileNames.map((f) => JSON.parse(readFileSync(join(projectRoot, 'topologies', f), 'utf8')));
    assert.ok(raws.some((raw) => 'timeVarying' in raw) && raws.some((raw) => 'edges' in raw));
  });

  for (const file of fileNames) {
    it(`${file} loads, is described, and is connected`, () => {
      const path = `topologies/${file}`;
      const raw = JSON.parse(readFileSync(join(projectRoot, path), 'utf8'));
      const fixesN = 'n' in raw || 'n' in (raw.generator ?? raw.timeVarying ?? {});
      for (const n of fixesN ? [undefined] : [16, 100]) {
        const topology = loadTopology(path, { n, seed: 3, baseDir: projectRoot });
        assert.equal(topology.source, path);
        assert.ok(topology.name.length > 0 && topology.description.length > 10, 'needs a name and description');
        const graph = topology.graph ?? topology.schedule.graphAt(0);
        assert.equal(graph.n, topology.n);
        if (n !== undefined) assert.equal(topology.n, n);
        checkGraph(graph);
        assert.equal(topology.schedule.timeVarying, topology.graph === null);
        if (topology.graph) assert.ok(isConnected(topology.graph));
      }
    });
  }

  it('same seed gives the same graph', () => {
    const load = (seed: number) =>
      loadTopology('topologies/small-world.json', { n: 50, seed, baseDir: projectRoot }).graph;
    assert.deepEqual(load(5), load(5));
    assert.notDeepEqual(load(5), load(6));
  });
});

describe('topology specs', () => {
  it('the node count comes from the file, the scenario, or the edge list', () => {
    assert.equal(build({ generator: { type: 'ring', n: 7 } }).n, 7);
    assert.equal(build({ generator: { type: 'ring' } }, { n: 9 }).n, 9);
    assert.equal(build({ generator: { type: 'torus', rows: 3, cols: 5 } }).n, 15);
    assert.equal(
      build({
        edges: [
          [0, 1],
          [1, 2],
        ],
      }).n,
      3,
    );
  });

  it('builds time-varying schedules', () => {
    const topology = build({ timeVarying: { type: 'epidemic', s: 2 } }, { n: 10 });
    assert.equal(topology.graph, null);
    assert.equal(topology.schedule.symmetric, false);
    assert.equal(topology.schedule.neighboursAt(4, 3).length, 2);
  });

  it('embedded specs: objects and file references', () => {
    const inline = parseTopologySpec({ generator: { type: 'star' } }, 'scenarios/a.json', 'topology');
    assert.equal(buildTopology(inline, { n: 5, seed: 1 }).name, 'star');
    const ref = parseTopologySpec('topologies/ring.json', 'scenarios/a.json', 'topology');
    assert.equal(ref.kind, 'file');
    const ring = buildTopology(ref, { n: 12, seed: 1, baseDir: projectRoot });
    assert.equal(ring.name, 'ring');
    assert.ok(ring.graph!.adj.every((_, i) => degree(ring.graph!, i) === 2));
    assert.throws(() => parseTopologySpec({ generator: { type: 'ring', q: 1 } }, 'scenarios/a.json', 'topology'), {
      message: 'scenarios/a.json: topology.generator.q: unknown key for type "ring" (allowed: type, n)',
    });
  });

  it('a disconnected static graph is reported with its component count unless allowed', () => {
    const spec = {
      edges: [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
    };
    assert.throws(() => build(spec), /^ConfigError: topologies\/foo\.json: graph is disconnected: 3 components/);
    assert.equal(build(spec, { allowDisconnected: true }).n, 6);
    assert.throws(() => build(spec, { n: 8 }), /5 components \(largest has 2 of 8 nodes\)/);
    assert.throws(() => build({ generator: { type: 'erdos-renyi', p: 0.01 } }, { n: 50 }), /graph is disconnected/);
  });
});

describe('bad topology specs give one-line errors naming file and key', () => {
  const cases: Array<[string, unknown, Partial<TopologyOptions>, string]> = [
    [
      'p out of range',
      { generator: { type: 'erdos-renyi', p: 2 } },
      {},
      'generator.p: expected a number in (0, 1], got 2',
    ],
    ['p missing', { generator: { type: 'erdos-renyi' } }, {}, 'generator.p: expected a number in (0, 1], got nothing'],
    [
      'p wrong type',
      { generator: { type: 'erdos-renyi', p: '0.1' } },
      {},
      'generator.p: expected a number in (0, 1], got "0.1"',
    ],
    ['unknown generator', { generator: { type: 'rnig' } }, {}, 'generator.type: expected one of "ring", "torus"'],
    ['unknown parameter', { generator: { type: 'ring', hub: 1 } }, {}, 'generator.hub: unknown key for type "ring"'],
    [
      'unknown top-level key',
      { generator: { type: 'ring' }, nmae: 'x' },
      {},
      'nmae: unknown key (allowed: name, description, generator)',
    ],
    [
      'two shapes',
      { generator: { type: 'ring' }, edges: [] },
      {},
      'expected exactly one of "generator", "edges", "timeVarying"',
    ],
    ['not an object', [1, 2], {}, 'expected a topology object or a file path, got [1,2]'],
    ['bad edge', { edges: [[0, 1], [1]] }, {}, 'edges[1]: expected a pair [i, j] of node indices, got [1]'],
    [
      'self-loop',
      {
        edges: [
          [0, 1],
          [1, 1],
        ],
      },
      {},
      'edges[1]: expected two different nodes (no self-loops), got [1,1]',
    ],
    [
      'edge out of range',
      {
        n: 2,
        edges: [
          [0, 1],
          [1, 2],
        ],
      },
      {},
      'edges[1]: expected node indices in 0..1, got [1,2]',
    ],
    [
      'odd n·d',
      { generator: { type: 'random-regular', d: 3 } },
      { n: 5 },
      'generator.d: expected n·d to be even (n = 5), got 3',
    ],
    [
      's too big',
      { timeVarying: { type: 'epidemic', s: 9 } },
      { n: 8 },
      'timeVarying.s: expected an integer in 1..7 (below n), got 9',
    ],
    [
      'bad epidemic type',
      { timeVarying: { type: 'gossip' } },
      {},
      'timeVarying.type: expected one of "epidemic", "one-peer-exponential"',
    ],
    [
      'n missing',
      { generator: { type: 'ring' } },
      {},
      'generator.n: missing; give n in the topology or pass the scenario node count',
    ],
    [
      'n mismatch',
      { generator: { type: 'ring', n: 16 } },
      { n: 8 },
      'generator.n: the topology fixes n = 16 but the scenario has 8 nodes',
    ],
    [
      'torus shape',
      { generator: { type: 'torus', rows: 5 } },
      { n: 12 },
      'generator.rows: expected a divisor of n = 12, got 5',
    ],
  ];
  for (const [label, spec, options, expected] of cases) {
    it(label, () => {
      assert.throws(
        () => build(spec, options),
        (err: Error) =>
          err instanceof ConfigError &&
          err.message.startsWith(`topologies/foo.json: ${expected}`) &&
          !err.message.includes('\n'),
      );
    });
  }

  it('loadTopology names the file for bad content, bad JSON and missing files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'topology-test-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const badP = write('bad-p.json', JSON.stringify({ name: 'x', generator: { type: 'erdos-renyi', p: 2 } }));
    assert.throws(() => loadTopology(badP, { n: 10, seed: 1 }), {
      message: `${badP}: generator.p: expected a number in (0, 1], got 2`,
    });
    const broken = write('broken.json', '{ "name": ');
    assert.throws(() => loadTopology(broken, { seed: 1 }), new RegExp(`^ConfigError: ${broken}: invalid JSON \\(`));
    const pointer = write('pointer.json', '"topologies/ring.json"');
    assert.throws(() => loadTopology(pointer, { seed: 1 }), /pointer\.json: expected a topology object/);
    assert.throws(() => loadTopology(join(dir, 'nope.json'), { seed: 1 }), /nope\.json: cannot read file \(ENOENT\)/);
  });
});
