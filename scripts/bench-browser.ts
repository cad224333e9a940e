/**
 * Browser node vs Node daemon on the same testnet task: a bootstrap and two daemons
 * (`gossiplearn testnet join`), then a bootstrap and two pages of the built browser node in
 * headless Chromium (WebRTC between them), each pair learning for the same wall time. Prints per
 * node kind the median round time, local-training samples per second and update bytes per round
 * (sent + received, payload + metadata, as the node's round records count them).
 *
 *   node_modules/.bin/node scripts/bench-browser.ts [--manifest testnets/browser-mnist.json]
 *       [--seconds 30] [--backend wasm|webgl|cpu] [--chromium /usr/bin/chromium] [--json]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { loadManifest } from '../src/testnet/manifest.ts';
import type { NodeRoundLine } from '../src/report/rounds.ts';
import { TestnetBox } from '../src/cluster/testnet-box.ts';
import { buildWebBundle, WEB_BUILD_DIR, webBuildIsFresh } from '../src/web/build.ts';
import type { BrowserNodeStatus } from '../src/web/browser-node.ts';
import { CHROMIUM_PATH, HEADLESS_CHROMIUM_ARGS } from '../src/web/headless-chromium.ts';
import { scriptArgs } from './lib/args.ts';
import { printTable } from './lib/experiment.ts';

const { values: args } = scriptArgs({
  script: import.meta.url,
  summary: `Runs two daemons, then two browser pages (linked over WebRTC), on loopback; prints per node kind
the median round time, training samples/s and update bytes per round.`,
  options: {
    manifest: {
      type: 'string',
      default: 'testnets/browser-mnist.json',
      value: 'FILE',
      description: 'testnet manifest whose task both pairs learn',
    },
    seconds: { type: 'string', default: '30', value: 'N', description: 'learning time per pair after start-up' },
    backend: {
      type: 'string',
      default: 'wasm',
      value: 'NAME',
      description: "the pages' tfjs backend: wasm, webgl or cpu",
    },
    chromium: { type: 'string', default: CHROMIUM_PATH, value: 'PATH', description: 'Chromium executable' },
    json: { type: 'boolean', default: false, description: 'print the results as JSON too' },
  },
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(args.seconds);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`--seconds: expected a positive number, got ${args.seconds}`);
  process.exit(2);
}
if (!['wasm', 'webgl', 'cpu'].includes(args.backend)) {
  console.error(`--backend: expected wasm, webgl or cpu, got ${args.backend}`);
  process.exit(2);
}
if (!existsSync(args.chromium)) {
  console.error(`--chromium: ${args.chromium} does not exist`);
  process.exit(2);
}
const manifestPath = resolve(args.manifest);
if (!existsSync(manifestPath)) {
  console.error(`--manifest: ${manifestPath} does not exist`);
  process.exit(2);
}

type PageStatus = { node: BrowserNodeStatus | null };

interface Row {
  kind: string;
  node: string;
  rounds: number;
  medianRoundMs: number;
  samplesPerSecond: number;
  bytesPerRound: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[(s.length - 1) >> 1]! : NaN;
};

async function daemonPair(batchSize: number): Promise<Row[]> {
  const out = mkdtempSync(join(tmpdir(), 'gl-bench-daemons-'));
  const box = await TestnetBox.create({ outDir: out, manifest: manifestPath, logLevel: 'warn' });
  try {
    box.startBootstrap();
    await box.waitFor('the bootstrap', () => box.get('bootstrap', '/status'), 20_000);
    for (const i of [0, 1]) box.startJoiner(i, { shard: i + 1, extraArgs: ['--max-neighbours', '4'] });
    await box.waitFor(
      'both daemons past round 2',
      async () => {
        const s = await Promise.all([0, 1].map((i) => box.get<{ round: number }>(`joiner-${i}`, '/status')));
        return s.every((x) => x && x.round > 2);
      },
      90_000,
    );
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const rows: Row[] = [];
    for (const i of [0, 1]) {
      const s = (await box.get<{ peerId: string; training: { steps: number; ms: number } }>(`joiner-${i}`, '/status'))!;
      const text = readFileSync(join(box.dir(`joiner-${i}`), 'rounds.jsonl'), 'utf8');
      const lines = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as NodeRoundLine);
      const recent = lines.slice(3);
      const roundBytes = (r: NodeRoundLine): number =>
        r.bytesSentPayload + r.bytesSentMeta + r.bytesRecvPayload + r.bytesRecvMeta;
      const bytes = recent.reduce((sum, r) => sum + roundBytes(r), 0);
      rows.push({
        kind: 'daemon (Node, wasm)',
        node: s.peerId.slice(-6),
        rounds: lines.length,
        medianRoundMs: median(recent.map((r) => r.closedAt - r.startedAt)),
        samplesPerSecond: (s.training.steps * batchSize) / (s.training.ms / 1000),
        bytesPerRound: bytes / Math.max(1, recent.length),
      });
    }
    return rows;
  } finally {
    await box.stopAll(5000);
    rmSync(out, { recursive: true, force: true });
  }
}

async function browserPair(): Promise<Row[]> {
  if (!webBuildIsFresh(root)) await buildWebBundle(root, join(root, WEB_BUILD_DIR), { minify: true });
  const out = mkdtempSync(join(tmpdir(), 'gl-bench-browsers-'));
  const box = await TestnetBox.create({ outDir: out, manifest: manifestPath, logLevel: 'warn' });
  const browser = await chromium.launchPersistentContext(join(out, 'chromium-profile'), {
    executablePath: args.chromium,
    headless: true,
    args: [...HEADLESS_CHROMIUM_ARGS],
  });
  try {
    box.startBootstrap();
    await box.waitFor('the bootstrap', () => box.get('bootstrap', '/status'), 20_000);
    const http = box.info('bootstrap')!.http;
    const pages: Page[] = [];
    for (const [slot, shard] of [
      ['a', 1],
      ['b', 2],
    ] as const) {
      const p = await browser.newPage();
      await p.goto(`${http}/join?slot=${slot}&shard=${shard}&backend=${args.backend}`);
      pages.push(p);
    }
    const status = async (p: Page): Promise<BrowserNodeStatus | null> => {
      const s = (await p.evaluate('globalThis.gossiplearn?.status() ?? null')) as PageStatus | null;
      return s?.node ?? null;
    };
    const pastRound2 = async (): Promise<boolean> =>
      (await Promise.all(pages.map(status))).every((s) => s && s.round > 2);
    await box.waitFor('both pages past round 2', pastRound2, 90_000, 500);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const rows: Row[] = [];
    for (const p of pages) {
      const s = (await status(p))!;
      const path = s.neighbours.map((n) => n.path).join('/');
      rows.push({
        kind: `browser (Chromium, ${s.backend}, ${path})`,
        node: s.peerId.slice(-6),
        rounds: s.roundMs.length,
        medianRoundMs: median(s.roundMs.slice(3)),
        samplesPerSecond: s.training.samples / (s.training.ms / 1000),
        bytesPerRound: (s.bytes.sent + s.bytes.received) / Math.max(1, s.roundMs.length),
      });
    }
    return rows;
  } finally {
    await browser.close().catch(() => {});
    await box.stopAll(5000);
    rmSync(out, { recursive: true, force: true });
  }
}

const batchSize = loadManifest(manifestPath).task.node.batchSize;
console.log(`task: ${manifestPath}, ${seconds} s per pair`);
const rows = [...(await daemonPair(batchSize)), ...(await browserPair())];
printTable(
  ['node', 'id', 'rounds', 'round ms (median)', 'training samples/s', 'update bytes/round'],
  rows.map((r) => {
    const measured = [r.medianRoundMs, r.samplesPerSecond, r.bytesPerRound].map((v) => v.toFixed(0));
    return [r.kind, r.node, r.rounds, ...measured];
  }),
);
if (args.json) console.log(JSON.stringify(rows, null, 2));
