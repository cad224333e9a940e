// Helpers shared by the experiment scripts: build scenarios from the default one, run, tabulate.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulation, type SimulationResult } from '../../src/sim/run.ts';
import { parseScenario, type Scenario } from '../../src/sim/scenario.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const scenarioDir = resolve(root, 'topologies/scenarios');

type Json = Record<string, unknown>;

function merge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = k === 'codec' || k === 'partition' ? undefined : out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? merge(prev as Json, v as Json)
        : v;
  }
  return out;
}

/** A scenario file's JSON with overrides deep-merged in (arrays, scalars, `codec` and `partition` objects replace). */
export function scenarioFrom(file: string, overrides: Json = {}): Scenario {
  const path = resolve(scenarioDir, file);
  const base = JSON.parse(readFileSync(path, 'utf8')) as Json;
  return parseScenario(merge(base, overrides), path, dirname(path));
}

export async function run(sc: Scenario): Promise<SimulationResult> {
  return runSimulation(sc);
}

/** First round whose mean evaluated accuracy reaches `target` (null if never). */
export function roundsTo(r: SimulationResult, target: number): number | null {
  const hit = r.rounds.find((x) => x.meanAccuracy !== null && x.meanAccuracy >= target);
  return hit ? hit.round + 1 : null;
}

/** Cumulative bytes per node when the mean evaluated accuracy first reaches `target`. */
export function bytesTo(r: SimulationResult, target: number): number | null {
  const hit = r.rounds.find((x) => x.meanAccuracy !== null && x.meanAccuracy >= target);
  return hit ? hit.cumulativeBytesPerNode : null;
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(2)}%`;
}

export function printTable(headers: string[], rows: Array<Array<string | number>>): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of cells.slice(1)) console.log(line(r));
}
