import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { NodeRoundLine, RoundSummary } from './rounds.ts';

export interface ReportInput {
  readonly title: string;
  readonly description?: string;
  readonly lines: readonly NodeRoundLine[];
  readonly rounds: readonly RoundSummary[];
  /** Rows of the summary table, in order. */
  readonly facts: ReadonlyArray<readonly [string, string]>;
  /** Marked on every round axis (a vertical rule per event: kills red, restarts green). */
  readonly events?: readonly ReportEvent[];
  /** Further tables after the summary. */
  readonly tables?: readonly ReportTable[];
  /** Caption of the consensus-distance plot (default: the simulator's). */
  readonly consensusCaption?: string;
}

export interface ReportEvent {
  readonly round: number;
  readonly kind: 'kill' | 'restart';
  readonly label: string;
}

export interface ReportTable {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

const WIDTH = 460;
const MAX_SPREAD_POINTS = 4000;
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

const EVENT_COLOURS = { kill: '#d62728', restart: '#2ca02c' } as const;

/** Vertical rules at each event's round, coloured by kind, with the label as a tooltip and a legend. */
function eventLayers(events: readonly ReportEvent[]): object[] {
  if (events.length === 0) return [];
  const kinds = [...new Set(events.map((e) => e.kind))];
  return [
    {
      data: { values: events.map((e) => ({ ...e })) },
      mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
      encoding: {
        x: { field: 'round', type: 'quantitative' },
        color: {
          field: 'kind',
          type: 'nominal',
          title: 'churn',
          scale: { domain: kinds, range: kinds.map((k) => EVENT_COLOURS[k]) },
        },
        tooltip: { field: 'label' },
      },
    },
  ];
}

/** A plot over rounds: its own layers plus the churn markers. */
function overRounds(layers: object[], events: readonly ReportEvent[]): TopLevelSpec {
  return { width: WIDTH, height: HEIGHT, layer: [...layers, ...eventLayers(events)] } as TopLevelSpec;
}

function accuracyBand(
  x: 'round' | 'cumulativeBytesPerNode',
  xTitle: string,
  rounds: readonly RoundSummary[],
  events: readonly ReportEvent[],
): TopLevelSpec {
  const values = rounds
    .filter((r) => r.meanAccuracy !== null)
    .map((r) => ({ ...r, cumulativeMB: r.cumulativeBytesPerNode / 2 ** 20 }));
  const field = x === 'round' ? 'round' : 'cumulativeMB';
  const xEnc = { field, type: 'quantitative', title: xTitle };
  const y = { field: 'minAccuracy', type: 'quantitative', title: 'test accuracy', scale: { zero: false } };
  const meanY = { field: 'meanAccuracy', type: 'quantitative' };
  const layers = [
    { data: { values }, mark: { type: 'area', opacity: 0.2 }, encoding: { x: xEnc, y, y2: { field: 'maxAccuracy' } } },
    { data: { values }, mark: { type: 'line', point: true }, encoding: { x: xEnc, y: meanY } },
  ];
  return overRounds(layers, x === 'round' ? events : []);
}

/** ε spent by round (mean and max over honest nodes); null when no node trained with DP. */
function privacyPlot(lines: readonly NodeRoundLine[]): TopLevelSpec | null {
  const byRound = new Map<number, number[]>();
  for (const l of lines) {
    if (l.byzantine || !l.privacy) continue;
    (byRound.get(l.round) ?? byRound.set(l.round, []).get(l.round)!).push(l.privacy.epsilon);
  }
  if (byRound.size === 0) return null;
  const values = [...byRound.entries()]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([round, eps]) => [
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
function tableHtml(t: ReportTable): string {
  const head = `<tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h2>${escapeHtml(t.title)}</h2>\n<table>${head}\n${body}</table>`;
}

/**
 * A self-contained HTML report: SVG plots rendered with Vega-Lite, and a summary table. A plot
 * with no data is not drawn as an empty box: its caption is listed under the plots with the reason.
 */
export async function renderReport(input: ReportInput): Promise<string> {
  const events = input.events ?? [];
  const consensus = input.rounds.filter((r) => Number.isFinite(r.consensusDistance) && r.consensusDistance > 0);
  const evaluatedLines = input.lines.filter((l) => !l.byzantine && l.accuracy !== undefined);
  // Tens of thousands of circles make an unreadable, huge SVG: draw an even sample of them.
  const stride = Math.ceil(evaluatedLines.length / MAX_SPREAD_POINTS);
  const perNode = evaluatedLines
    .filter((_, k) => k % stride === 0)
    .map((l) => ({ round: l.round, accuracy: l.accuracy, node: l.node }));
  const spreadNote = stride > 1 ? ` — every ${stride}th of ${evaluatedLines.length} evaluations drawn` : '';
  const evaluated = input.rounds.some((r) => r.meanAccuracy !== null);
  const consensusCaption = input.consensusCaption ?? 'Consensus distance (RMS distance of honest models to their mean)';
  const consensusY = {
    field: 'consensusDistance',
    type: 'quantitative',
    scale: { type: 'log' },
    title: 'consensus distance',
  };
  const plots: Array<[string, TopLevelSpec | null]> = [
    [
      'Accuracy by round (mean of evaluated honest nodes; band: min–max)',
      evaluated ? accuracyBand('round', 'round', input.rounds, events) : null,
    ],
    [
      'Accuracy by bytes sent per node',
      evaluated ? accuracyBand('cumulativeBytesPerNode', 'MiB sent per node (cumulative)', input.rounds, events) : null,
    ],
    [
      consensusCaption,
      consensus.length === 0
        ? null
        : overRounds(
            [
              {
                data: { values: consensus },
                mark: { type: 'line', point: true },
                encoding: { x: { field: 'round', type: 'quantitative' }, y: consensusY },
              },
            ],
            events,
          ),
    ],
    [
      `Spread across nodes (each point: one node evaluated in that round${spreadNote})`,
      perNode.length === 0
        ? null
        : overRounds(
            [
              {
                data: { values: perNode },
                mark: { type: 'circle', opacity: 0.5, size: 20 },
                encoding: {
                  x: { field: 'round', type: 'quantitative' },
                  y: { field: 'accuracy', type: 'quantitative', scale: { zero: false } },
                },
              },
            ],
            events,
          ),
    ],
  ];
  const privacy = privacyPlot(input.lines);
  if (privacy) plots.push(['Privacy: ε spent by round over honest nodes (at the configured δ)', privacy]);
  const drawn = plots.filter((p): p is [string, TopLevelSpec] => p[1] !== null);
  const figure = async ([caption, spec]: [string, TopLevelSpec]): Promise<string> =>
    `<figure>${await svg(spec)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
  const figures = await Promise.all(drawn.map(figure));
  const missing = plots
    .filter((p) => p[1] === null)
    .map(([caption]) => `<li>${escapeHtml(caption)}: no data in this run</li>`);
  const rules = 'Dashed rules on the round axes: kills (red) and restarts (green), at the round each happened in.';
  const churnNote = events.length ? `<p>${rules}</p>` : '';
  const rows = input.facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 10px;text-align:left}
th{background:#f5f5f5;font-weight:600}
.plots{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}
figcaption{font-size:0.9em;color:#555;max-width:${WIDTH + 60}px}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
${input.description ? `<p>${escapeHtml(input.description)}</p>` : ''}
<h2>Summary</h2>
<table>${rows}</table>
${(input.tables ?? []).map(tableHtml).join('\n')}
<h2>Plots</h2>
${churnNote}
<div class="plots">${figures.join('\n')}</div>
${missing.length ? `<p>Not drawn:</p><ul>${missing.join('')}</ul>` : ''}
</body></html>
`;
}
