/**
 * Make a Prometheus text exposition pass `promtool check metrics`: libp2p registers some gauges
 * with counter-style names (`libp2p_tcp_inbound_connections_total`, `libp2p_protocol_streams_total`,
 * `libp2p_tcp_listener_events_total`...), which promtool rejects ("non-counter metrics should not
 * have _total suffix"). Such a family is renamed without the suffix (with `_current` instead when
 * that name is taken), in its HELP, TYPE and sample lines alike; everything else is left as it is.
 */

const TYPE_LINE = /^# TYPE (\S+) (\S+)\s*$/;
const SAMPLE_SUFFIXES = ['', '_bucket', '_sum', '_count', '_created'];

/** Family name → new name, for every non-counter family whose name ends in `_total`. */
export function nonCounterTotals(text: string): Map<string, string> {
  const families = new Set<string>();
  const offending: string[] = [];
  for (const line of text.split('\n')) {
    const m = TYPE_LINE.exec(line);
    if (!m) continue;
    families.add(m[1]!);
    if (m[2] !== 'counter' && m[1]!.endsWith('_total')) offending.push(m[1]!);
  }
  const renames = new Map<string, string>();
  for (const name of offending) {
    const base = name.slice(0, -'_total'.length);
    renames.set(name, families.has(base) ? `${base}_current` : base);
  }
  return renames;
}

function renameSample(line: string, renames: ReadonlyMap<string, string>): string {
  const end = line.search(/[{ ]/);
  const metric = end < 0 ? line : line.slice(0, end);
  for (const suffix of SAMPLE_SUFFIXES) {
    if (!metric.endsWith(suffix)) continue;
    const to = renames.get(metric.slice(0, metric.length - suffix.length));
    if (to !== undefined) return to + suffix + line.slice(metric.length);
  }
  return line;
}

/** The exposition with every non-counter `_total` family renamed (see above). */
export function promtoolCompatible(text: string): string {
  const renames = nonCounterTotals(text);
  if (renames.size === 0) return text;
  return text
    .split('\n')
    .map((line) => {
      const meta = /^# (HELP|TYPE) (\S+)(.*)$/s.exec(line);
      if (meta) return `# ${meta[1]} ${renames.get(meta[2]!) ?? meta[2]}${meta[3]}`;
      return line === '' || line.startsWith('#') ? line : renameSample(line, renames);
    })
    .join('\n');
}
