import { scenarioFrom, run } from './lib/experiment.ts';
const variants: Record<string, Record<string, unknown>> = JSON.parse(process.argv[2]!);
for (const [name, o] of Object.entries(variants)) {
  const r = await run(scenarioFrom(process.argv[3] ?? 'default.json', o));
  const nr = r.lines;
  const kf = nr.reduce((s, l) => s + l.keyframes, 0);
  const perRound = Array.from({ length: r.scenario.rounds }, (_, k) => nr.filter((l) => l.round === k).reduce((s, l) => s + l.keyframes, 0));
  const acc = r.rounds.map((x) => x.meanAccuracy === null ? '-' : (100 * x.meanAccuracy).toFixed(0)).join(' ');
  console.log(`${name}: acc ${(100 * r.summary.finalAccuracy!).toFixed(2)}% MiB ${(r.summary.bytesPerNode / 2 ** 20).toFixed(2)} kf ${kf} [${perRound.join(',')}] wall ${r.wallSeconds.toFixed(0)}s`);
  console.log(`   acc/round ${acc}`);
  console.log(`   cd ${r.rounds.filter((_, k) => k % 5 === 0).map((x) => x.consensusDistance.toFixed(2)).join(' ')}`);
}
