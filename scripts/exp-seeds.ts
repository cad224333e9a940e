// The seed methods against gossip, in the simulator (the same LearningNode as the daemon):
// MoDeST (bytes per node to a target accuracy; 80% of the nodes unresponsive mid-run), the DiLoCo
// outer optimizer (bytes and virtual time to a target on the default task) and FedAU weights
// (final accuracy under heterogeneous availability against plain Metropolis weights).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { runSimulation, type SimulationResult } from '../src/sim/run.ts';
import { parseScenario, type Scenario } from '../src/sim/scenario.ts';
import { fail, numberOption, scriptArgs } from './lib/args.ts';
import { pct, printTable, scenarioDir } from './lib/experiment.ts';

const { values: args } = scriptArgs({
  script: import.meta.url,
  summary: `Experiments for the seed methods; prints one table per method (final accuracy, rounds, bytes per node
and virtual seconds to the target accuracy). Scenarios: topologies/scenarios/{modest,diloco,fedau}.json.`,
  options: {
    method: { type: 'string', default: 'all', value: 'NAME', description: 'modest, diloco, fedau or all' },
    target: { type: 'string', default: '0.85', value: 'ACC', description: 'target accuracy for "to target" columns' },
  },
});
const target = numberOption('target', args.target, { min: 0, integer: false });
if (target > 1) fail(`--target must be at most 1, got ${args.target}`);
const methods = args.method === 'all' ? ['modest', 'diloco', 'fedau'] : [args.method];
for (const m of methods)
  if (!['modest', 'diloco', 'fedau'].includes(m)) fail(`--method: expected modest, diloco, fedau or all, got ${m}`);

type Json = Record<string, unknown>;

/** A scenario file's JSON, edited in place by `edit` (given it and its task.node), then validated as any scenario. */
function scenario(file: string, edit: (s: Json, node: Json) => void = () => {}): Scenario {
  const path = resolve(scenarioDir, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Json & { task: { node: Json } };
  edit(json, json.task.node);
  return parseScenario(json, path, dirname(path));
}

interface ToTarget {
  round: number | null;
  bytesPerNode: number | null;
  virtualSeconds: number | null;
}

/**
 * When the mean evaluated accuracy of a round first reaches the target: the round, the bytes all
 * nodes sent up to it divided by the node count, and the virtual time its last node closed it.
 */
function toTarget(r: SimulationResult, acc: number): ToTarget {
  const hit = r.rounds.find((x) => x.meanAccuracy !== null && x.meanAccuracy >= acc);
  if (!hit) return { round: null, bytesPerNode: null, virtualSeconds: null };
  let bytes = 0;
  let closed = 0;
  for (const l of r.lines) {
    if (l.round > hit.round) continue;
    bytes += l.bytesSentPayload + l.bytesSentMeta;
    if (l.round === hit.round) closed = Math.max(closed, l.closedAt);
  }
  return { round: hit.round + 1, bytesPerNode: bytes / r.scenario.nodes, virtualSeconds: closed / 1000 };
}

const mb = (b: number | null): string => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(2)} MiB`);
const secs = (s: number | null): string => (s === null ? 'n/a' : `${s.toFixed(2)} s`);
const ratio = (a: number | null, b: number | null): string =>
  a === null || b === null ? 'n/a' : `${(a / b).toFixed(2)}x`;

async function measured(name: string, sc: Scenario): Promise<{ name: string; r: SimulationResult; t: ToTarget }> {
  const r = await runSimulation(sc);
  console.error(`${name}: ${r.wallSeconds.toFixed(0)} s wall, final ${pct(r.summary.finalAccuracy)}`);
  return { name, r, t: toTarget(r, target) };
}

function totalBytesPerNode(r: SimulationResult): number {
  return r.lines.reduce((s, l) => s + l.bytesSentPayload + l.bytesSentMeta, 0) / r.scenario.nodes;
}

const ACC = `${Math.round(100 * target)}%`;

async function modest(): Promise<void> {
  // Gossip on the same task: every node trains every round, CHOCO on a 4-regular graph, same codec.
  const asGossip = (s: Json, node: Json): void => {
    delete node.modest;
    s.topology = '../random-regular.json';
    node.aggregator = { rule: 'metropolis' };
  };
  const crash = (s: Json): void => {
    s.churn = { events: [{ round: 15, action: 'crash', fraction: 0.8 }] };
  };
  const runs = [
    await measured('MoDeST (s = 8, a = 2)', scenario('modest.json')),
    await measured('gossip, 4-regular', scenario('modest.json', asGossip)),
  ];
  const [m, g] = runs as [(typeof runs)[0], (typeof runs)[0]];
  console.log(
    `\nMoDeST vs gossip (topologies/scenarios/modest.json: 32 nodes, MLP 128, uncompressed), target ${ACC}\n`,
  );
  printTable(
    [
      'method',
      'final acc',
      `rounds to ${ACC}`,
      `bytes/node to ${ACC}`,
      `virtual time to ${ACC}`,
      'bytes/node, whole run',
    ],
    runs.map(({ name, r, t }) => [
      name,
      pct(r.summary.finalAccuracy),
      t.round ?? 'n/a',
      mb(t.bytesPerNode),
      secs(t.virtualSeconds),
      mb(totalBytesPerNode(r)),
    ]),
  );
  console.log(`\ngossip / MoDeST bytes per node to ${ACC}: ${ratio(g.t.bytesPerNode, m.t.bytesPerNode)}`);

  const crashes = [
    await measured('MoDeST, 80% crash', scenario('modest.json', crash)),
    await measured(
      'gossip, 80% crash',
      scenario('modest.json', (s, node) => {
        asGossip(s, node);
        crash(s);
      }),
    ),
  ];
  console.log('\n80% of the nodes become unresponsive when the first node finishes round 14 (no rejoin)\n');
  printTable(
    ['method', 'acc before (round 13)', 'final acc', 'nodes crashed', 'rounds closed', 'aggregations by timeout'],
    crashes.map(({ name, r }) => {
      const before = r.rounds.find((x) => x.round === 13)?.meanAccuracy ?? null;
      const aggs = r.lines.filter((l) => l.role === 'aggregator');
      const byTimeout = aggs.length ? `${aggs.filter((l) => l.closedBy === 'deadline').length} / ${aggs.length}` : '-';
      return [
        name,
        pct(before),
        pct(r.summary.finalAccuracy),
        r.summary.crashed.length,
        r.summary.roundsCompleted,
        byTimeout,
      ];
    }),
  );
}

async function diloco(): Promise<void> {
  const runs = [
    await measured('gossip (default.json)', scenario('default.json')),
    await measured('DiLoCo H = 20', scenario('diloco.json')),
    await measured(
      'H = 20, outer lr 1, no momentum (ablation)',
      scenario('diloco.json', (_s, node) => {
        node.outer = { lr: 1, momentum: 0 };
      }),
    ),
    await measured(
      'DiLoCo H = 20, overlap λ = 0.5',
      scenario('diloco.json', (_s, node) => {
        node.outer = { ...(node.outer as Json), overlap: { correction: 0.5 } };
      }),
    ),
    await measured(
      'Streaming DiLoCo H = 10, 4 fragments, direct fp16',
      scenario('diloco.json', (s, node) => {
        s.rounds = 40;
        node.localSteps = 10;
        node.gossip = 'direct';
        node.codec = { name: 'fp16' };
        node.aggregator = { rule: 'metropolis' };
        node.outer = { ...(node.outer as Json), fragments: 4 };
      }),
    ),
  ];
  const base = runs[0]!;
  console.log(
    `\nDiLoCo outer optimizer vs gossip on the default task (16 nodes, 400 local steps in all), target ${ACC}\n`,
  );
  printTable(
    [
      'method',
      'final acc',
      `rounds to ${ACC}`,
      `bytes/node to ${ACC}`,
      'vs gossip',
      `virtual time to ${ACC}`,
      'vs gossip',
    ],
    runs.map(({ name, r, t }) => [
      name,
      pct(r.summary.finalAccuracy),
      t.round ?? 'n/a',
      mb(t.bytesPerNode),
      ratio(base.t.bytesPerNode, t.bytesPerNode),
      secs(t.virtualSeconds),
      ratio(base.t.virtualSeconds, t.virtualSeconds),
    ]),
  );
}

async function fedau(): Promise<void> {
  const runs = [
    await measured('FedAU participation weights', scenario('fedau.json')),
    await measured(
      'plain Metropolis weights',
      scenario('fedau.json', (_s, node) => {
        delete node.participation;
      }),
    ),
  ];
  console.log('\nFedAU weights, heterogeneous availability (fedau.json: 5 of 16 nodes send in 20% of rounds)\n');
  printTable(
    ['weights', 'final acc (mean)', 'min', 'max', 'rare senders (mean)', 'others (mean)', `rounds to ${ACC}`],
    runs.map(({ name, r, t }) => {
      const finals = r.lines.filter((l) => l.round === r.scenario.rounds - 1 && l.accuracy !== undefined);
      const sent = new Map<number, number>();
      for (const l of r.lines) if (l.bytesSentPayload > 0) sent.set(l.index, (sent.get(l.index) ?? 0) + 1);
      const rare = (i: number): boolean => (sent.get(i) ?? 0) < r.scenario.rounds / 2;
      const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
      const acc = (keep: (i: number) => boolean): number | null =>
        mean(finals.filter((l) => keep(l.index)).map((l) => l.accuracy!));
      const s = r.summary;
      return [
        name,
        pct(s.finalAccuracy),
        pct(s.finalAccuracyMin),
        pct(s.finalAccuracyMax),
        pct(acc(rare)),
        pct(acc((i) => !rare(i))),
        t.round ?? 'n/a',
      ];
    }),
  );
}

for (const m of methods) {
  if (m === 'modest') await modest();
  if (m === 'diloco') await diloco();
  if (m === 'fedau') await fedau();
}
