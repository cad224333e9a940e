import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeChunksAtomic, writeFileAtomic } from '../util/atomic-write.ts';
import { renderReport } from '../report/html.ts';
import { mib } from '../report/units.ts';
import type { SimulationResult } from './run.ts';

function pct(x: number | null): string {
  return x === null ? 'n/a' : `${(100 * x).toFixed(2)}%`;
}

/**
 * The per-round JSONL, line by line: node-round lines (all, or with `jsonl: compact` those of the
 * evaluated nodes), then round summaries, then the run summary. Deterministic for a seed.
 */
export function* jsonlLines(r: SimulationResult): Generator<string> {
  for (const l of r.lines) yield JSON.stringify(l) + '\n';
  for (const l of r.rounds) yield JSON.stringify(l) + '\n';
  yield JSON.stringify(r.summary) + '\n';
}

export function toJsonl(r: SimulationResult): string {
  return [...jsonlLines(r)].join('');
}

/** SHA-256 (hex) of the JSONL, without building it as one string. */
export function jsonlDigest(r: SimulationResult): string {
  const h = createHash('sha256');
  for (const line of jsonlLines(r)) h.update(line);
  return h.digest('hex');
}

function privacyFacts(r: SimulationResult): Array<[string, string]> {
  const p = r.summary.privacy;
  if (!p) return [];
  const target = p.targetEpsilon === null ? 'no target' : `target ε ${p.targetEpsilon}`;
  return [
    ['privacy', `${p.mode}, clip ${p.clip}, noise multiplier ${p.noiseMultiplier}, δ ${p.delta}, ${target}, Poisson`],
    [
      'ε spent (honest nodes)',
      `mean ${p.epsilonMean.toFixed(3)}, max ${p.epsilonMax.toFixed(3)}; ` +
        `stopped by the budget: ${p.stoppedNodes.length ? p.stoppedNodes.join(', ') : 'none'}`,
    ],
  ];
}

function ratio(fp32: number, sent: number): string {
  return sent > 0 ? `${(fp32 / sent).toFixed(1)}x fewer` : 'nothing sent';
}

/** Share of honest node-rounds that sent a keyframe, and of the bytes those rounds sent. */
export function keyframeShare(r: SimulationResult): string {
  const honest = r.lines.filter((l) => !l.byzantine);
  const sent = (l: (typeof honest)[number]): number => l.bytesSentPayload + l.bytesSentMeta;
  const withKeyframe = honest.filter((l) => l.keyframes > 0);
  const total = honest.reduce((s, l) => s + sent(l), 0);
  const share = total > 0 ? withKeyframe.reduce((s, l) => s + sent(l), 0) / total : 0;
  return `${withKeyframe.length} of ${honest.length} node-rounds; ${pct(share)} of the bytes sent`;
}

export function summaryFacts(r: SimulationResult): Array<[string, string]> {
  const s = r.summary;
  const sc = r.scenario;
  return [
    ['scenario', `${sc.name}${sc.description ? ` — ${sc.description}` : ''}`],
    ['nodes / rounds', `${sc.nodes} / ${sc.rounds} (completed ${s.roundsCompleted})`],
    ...(sc.jsonl === 'compact'
      ? [
          ['JSONL', 'compact: node-round lines of the evaluated nodes only; round summaries over all nodes'] as [
            string,
            string,
          ],
        ]
      : []),
    ...(sc.trainer === 'flat' ? [['trainer', 'flat (float32 loops, no tfjs)'] as [string, string]] : []),
    ['topology', `${r.topology.name} (${r.topology.source})`],
    ['data', `${sc.task.dataset.type}, partition ${JSON.stringify(sc.task.partition)}`],
    ['model', JSON.stringify(sc.task.model)],
    ['codec', JSON.stringify(sc.task.node.codec)],
    ['aggregation', JSON.stringify(sc.task.node.aggregator)],
    [
      'final accuracy (honest nodes)',
      `${pct(s.finalAccuracy)} (min ${pct(s.finalAccuracyMin)}, max ${pct(s.finalAccuracyMax)}, ` +
        `${s.honestFinished} nodes)`,
    ],
    [
      'bytes sent per honest node',
      `${mib(s.bytesPerNode)}; fp32 gossip would have sent ${mib(r.fp32BytesPerNode)} for the same rounds ` +
        `(${ratio(r.fp32BytesPerNode, s.bytesPerNode)})`,
    ],
    ['keyframes (full models)', keyframeShare(r)],
    ['messages / lost / model syncs', `${s.messages} / ${s.lost} / ${s.syncRequests}`],
    ['rejected updates', Object.keys(s.rejected).length ? JSON.stringify(s.rejected) : 'none'],
    ['byzantine nodes', s.byzantine.length ? `${s.byzantine.join(', ')} (${sc.byzantine.attack})` : 'none'],
    ['crashed nodes', s.crashed.length ? s.crashed.join(', ') : 'none'],
    ...privacyFacts(r),
    ['virtual time', `${s.virtualSeconds.toFixed(1)} s`],
    [
      'wall time / peak memory',
      `${r.wallSeconds.toFixed(1)} s / ${r.peakRssMB.toFixed(0)} MiB ` +
        `(backend ${r.backend}, ${r.threads} training thread(s))`,
    ],
  ];
}

/** Write rounds.jsonl, summary.json and report.html into `dir`; returns the report path. */
export async function writeRunOutputs(r: SimulationResult, dir: string): Promise<string> {
  writeChunksAtomic(join(dir, 'rounds.jsonl'), jsonlLines(r));
  writeFileAtomic(
    join(dir, 'summary.json'),
    JSON.stringify({ ...r.summary, wallSeconds: r.wallSeconds, peakRssMB: r.peakRssMB, backend: r.backend }, null, 2) +
      '\n',
  );
  const html = await renderReport({
    title: `gossiplearn simulation: ${r.scenario.name}`,
    description: r.scenario.description,
    lines: r.lines,
    rounds: r.rounds,
    facts: summaryFacts(r),
  });
  const report = join(dir, 'report.html');
  writeFileAtomic(report, html);
  return report;
}
