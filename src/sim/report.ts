import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { NodeRoundLine, RoundSummary } from './metrics.ts';

export interface ReportInput {
  readonly title: string;
  readonly description?: string;
  readonly lines: readonly NodeRoundLine[];
  readonly rounds: readonly RoundSummary[];
  /** Rows of the summary table, in order. */
  readonly facts: ReadonlyArray<readonly [string, string]>;
}

const WIDTH = 460;
const HEIGHT = 260;

async function svg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function accuracyBand(x: 'round' | 'cumulativeBytesPerNode', xTitle: string, rounds: readonly RoundSummary[]): TopLevelSpec {
  const values = rounds.filter((r) => r.meanAccuracy !== null).map((r) => ({ ...r, cumulativeMB: r.cumulativeBytesPerNode / 2 ** 20 }));
  const field = x === 'round' ? 'round' : 'cumulativeMB';
  return {
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    encoding: { x: { field, type: 'quantitative', title: xTitle } },
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { y: { field: 'minAccuracy', type: 'quantitative', title: 'test accuracy', scale: { zero: false } }, y2: { field: 'maxAccuracy' } } },
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'meanAccuracy', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
}

/** ε spent by round (mean and max over honest nodes); null when no node trained with DP. */
function privacyPlot(lines: readonly NodeRoundLine[]): TopLevelSpec | null {
  const byRound = new Map<number, number[]>();
  for (const l of lines) {
    if (l.byzantine || !l.privacy) continue;
    (byRound.get(l.round) ?? byRound.set(l.round, []).get(l.round)!).push(l.privacy.epsilon);
  }
  if (byRound.size === 0) return null;
  const values = [...byRound.entries()].sort((a, b) => a[0] - b[0]).flatMap(([round, eps]) => [
    { round, epsilon: eps.reduce((a, b) => a + b, 0) / eps.length, series: 'mean' },
    { round, epsilon: Math.max(...eps), series: 'max' },
  ]);
  return {
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'round', type: 'quantitative' },
      y: { field: 'epsilon', type: 'quantitative', title: 'ε spent (RDP accountant)' },
      color: { field: 'series', type: 'nominal' },
    },
  } as TopLevelSpec;
}

/** A self-contained HTML report: SVG plots rendered with Vega-Lite, and a summary table. */
export async function renderReport(input: ReportInput): Promise<string> {
  const consensus = input.rounds.filter((r) => Number.isFinite(r.consensusDistance) && r.consensusDistance > 0);
  const perNode = input.lines.filter((l) => !l.byzantine && l.accuracy !== undefined).map((l) => ({ round: l.round, accuracy: l.accuracy, node: l.node }));
  const plots: Array<[string, TopLevelSpec]> = [
    ['Accuracy by round (mean of evaluated honest nodes; band: min–max)', accuracyBand('round', 'round', input.rounds)],
    ['Accuracy by bytes sent per node', accuracyBand('cumulativeBytesPerNode', 'MiB sent per node (cumulative)', input.rounds)],
    [
      'Consensus distance (RMS distance of honest models to their mean)',
      {
        width: WIDTH,
        height: HEIGHT,
        data: { values: consensus },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 'round', type: 'quantitative' }, y: { field: 'consensusDistance', type: 'quantitative', scale: { type: 'log' }, title: 'consensus distance' } },
      } as TopLevelSpec,
    ],
    [
      'Spread across nodes (each point: one node evaluated in that round)',
      {
        width: WIDTH,
        height: HEIGHT,
        data: { values: perNode },
        mark: { type: 'circle', opacity: 0.5, size: 20 },
        encoding: { x: { field: 'round', type: 'quantitative' }, y: { field: 'accuracy', type: 'quantitative', scale: { zero: false } } },
      } as TopLevelSpec,
    ],
  ];
  const privacy = privacyPlot(input.lines);
  if (privacy) plots.push(['Privacy: ε spent by round over honest nodes (at the configured δ)', privacy]);
  const figures = await Promise.all(plots.map(async ([caption, spec]) => `<figure>${await svg(spec)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`));
  const rows = input.facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 10px;text-align:left}th{background:#f5f5f5;font-weight:600}
.plots{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}figcaption{font-size:0.9em;color:#555;max-width:${WIDTH + 60}px}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
${input.description ? `<p>${escapeHtml(input.description)}</p>` : ''}
<h2>Summary</h2>
<table>${rows}</table>
<h2>Plots</h2>
<div class="plots">${figures.join('\n')}</div>
</body></html>
`;
}
