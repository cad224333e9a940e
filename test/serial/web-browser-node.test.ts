/**
 * The browser node, for real: one bootstrap and one daemon (`gossiplearn testnet` processes) and two
 * pages of the built bundle in headless Chromium on loopback, training on the embedded MNIST. Each
 * page's updates are accepted by the daemon and by the other page, the two pages are linked over
 * WebRTC, accuracy rises, the bootstrap shows them as browsers, a reload resumes the same peer at
 * its checkpointed round, and Stop leaves the network.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { TestnetBox } from '../../src/cluster/testnet-box.ts';
import { buildWebBundle, WEB_BUILD_DIR, webBuildIsFresh } from '../../src/web/build.ts';
import type { BrowserNodeStatus } from '../../src/web/browser-node.ts';
import { CHROMIUM_PATH as CHROMIUM, HEADLESS_CHROMIUM_ARGS } from '../../src/web/headless-chromium.ts';
import type { DaemonStatus } from '../../src/daemon/status.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ACCURACY_FLOOR = 0.8;
const out = mkdtempSync(join(tmpdir(), 'gl-browser-'));
const skip = !existsSync(CHROMIUM) && 'no /usr/bin/chromium';
let box: TestnetBox | null = null;
let browser: BrowserContext | null = null;
const pages: Page[] = [];

interface PageStatus {
  state: string;
  error: string | null;
  node: BrowserNodeStatus | null;
}
interface NetworkPeer {
  peerId: string;
  agent?: string;
  round: number;
}

/** One line per node: round, accuracy, models aggregated last round, and each neighbour's path and accepted updates. */
function describe(na: BrowserNodeStatus, nc: BrowserNodeStatus, d: DaemonStatus): string {
  const tag = (id: string): string => id.slice(-4);
  const page = (s: BrowserNodeStatus): string =>
    `page ${tag(s.peerId)} r${s.round} acc ${s.accuracy} used ${s.lastRound?.used} by ${s.lastRound?.closedBy} ` +
    `last rounds ${s.roundMs.slice(-3).map(Math.round).join('/')} ms [` +
    s.neighbours
      .map((n) => `${tag(n.id)} ${n.path}${n.listening ? ' listening' : ''} ${n.accepted}/${n.received}`)
      .join(', ') +
    `] rejected ${JSON.stringify(s.rejected)}`;
  const links = d.neighbours
    .map(
      (n) =>
        `${tag(n.id)} ${n.path}${n.listening ? ' listening' : ''} score ${n.score.toFixed(1)} ` +
        `${n.updates.accepted}/${n.updates.received}`,
    )
    .join(', ');
  const t = d.transport;
  const daemon =
    `daemon ${tag(d.peerId)} r${d.round} lag ${d.timerLagMs} ms [${links}] rejected ${JSON.stringify(d.rejected)} ` +
    `publishes ${t.publishes} recipients ${t.recipients} failures ${t.publishFailures}`;
  return [page(na), page(nc), daemon].join(' | ');
}

const statusOf = async (p: Page): Promise<PageStatus> =>
  (await p.evaluate('globalThis.gossiplearn?.status() ?? null')) as PageStatus;

async function openPage(url: string): Promise<Page> {
  const page = await browser!.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(url);
  return page;
}

before(async () => {
  if (skip) return;
  if (!webBuildIsFresh(ROOT)) await buildWebBundle(ROOT, join(ROOT, WEB_BUILD_DIR), { minify: true });
  box = await TestnetBox.create({ outDir: out, manifest: join(ROOT, 'testnets/browser-mnist.json') });
  const b = box;
  b.startBootstrap();
  await b.waitFor('the bootstrap node', () => b.get('bootstrap', '/status'), 20_000);
  b.startJoiner(0, { extraArgs: ['--max-neighbours', '4'] });
  // The daemon is up (its MNIST loaded) before the pages come: they start level, none runs ahead.
  await b.waitFor('the daemon', () => b.get('joiner-0', '/status'), 60_000);
  browser = await chromium.launchPersistentContext(join(out, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [...HEADLESS_CHROMIUM_ARGS],
  });
  const http = b.info('bootstrap')!.http;
  // Two slots: two peer identities in one profile (IndexedDB is per origin).
  for (const [slot, shard] of [
    ['a', 1],
    ['b', 2],
  ] as const)
    pages.push(await openPage(`${http}/join?slot=${slot}&shard=${shard}&backend=wasm&samples=300`));
});

after(async () => {
  await browser?.close().catch(() => {});
  await box?.stopAll(5000);
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

const LEARN_TOGETHER = 'two pages and a daemon learn together; the pages are linked over WebRTC';

test(LEARN_TOGETHER, { timeout: 150_000, skip }, async () => {
  const b = box!;
  const [a, c] = pages as [Page, Page];
  let last = 'no status yet';
  // Every 10 s: when a run fails, this shows when the exchange stopped, not only how it ended.
  const history: string[] = [];
  const t0 = Date.now();
  // Sticky: a page that later runs ahead of both others aggregates nothing stale, yet it did aggregate.
  const aggregated = new Set<string>();
  const done = await b
    .waitFor(
      "each page's updates accepted by the daemon and the other page, accuracy above the floor",
      async () => {
        const [sa, sc, d] = [await statusOf(a), await statusOf(c), await b.get<DaemonStatus>('joiner-0', '/status')];
        for (const s of [sa, sc]) if (s.error) throw new Error(`page failed: ${s.error}`);
        if (!sa.node || !sc.node || !d) return null;
        const [na, nc] = [sa.node, sc.node];
        last = describe(na, nc, d);
        if (Date.now() - t0 >= 10_000 * history.length)
          history.push(`${Math.round((Date.now() - t0) / 1000)} s: ${last}`);
        for (const s of [na, nc]) if ((s.lastRound?.used ?? 0) >= 1) aggregated.add(s.peerId);
        const accepted = (s: BrowserNodeStatus, peer: string): number =>
          s.neighbours.find((n) => n.id === peer)?.accepted ?? 0;
        const byDaemon = (peer: string): number => d.neighbours.find((n) => n.id === peer)?.updates.accepted ?? 0;
        const ok =
          accepted(na, nc.peerId) >= 5 &&
          accepted(nc, na.peerId) >= 5 &&
          accepted(na, d.peerId) >= 3 &&
          accepted(nc, d.peerId) >= 3 &&
          byDaemon(na.peerId) >= 5 &&
          byDaemon(nc.peerId) >= 5 &&
          aggregated.has(na.peerId) &&
          aggregated.has(nc.peerId) &&
          [na, nc].every((s) => (s.accuracy ?? 0) > ACCURACY_FLOOR && (s.accuracy ?? 0) > (s.firstEval?.accuracy ?? 1));
        return ok ? { na, nc, d } : null;
      },
      120_000,
      1000,
    )
    .catch((e: Error) => {
      throw new Error(`${e.message}; last seen: ${last}\nbefore:\n${history.join('\n')}`);
    });
  const { na, nc, d } = done;
  const link = (s: BrowserNodeStatus, peer: string) => s.neighbours.find((n) => n.id === peer)!;
  console.log(`page↔page: ${link(na, nc.peerId).path} via ${link(na, nc.peerId).addrs.join(' , ')}`);
  console.log(`page→daemon: ${link(na, d.peerId).path}, ${link(nc, d.peerId).path}`);
  console.log(`rounds: pages ${na.round}, ${nc.round}, daemon ${d.round}`);
  for (const s of [na, nc]) console.log(`accuracy ${s.firstEval!.accuracy} (r${s.firstEval!.round}) → ${s.accuracy}`);
  assert.equal(link(na, nc.peerId).path, 'webrtc');
  assert.equal(link(nc, na.peerId).path, 'webrtc');
  assert.ok(link(na, nc.peerId).addrs.some((x) => x.includes('/webrtc')));
  assert.equal(na.backend, 'wasm');
  assert.equal(na.taskHash, nc.taskHash);
  assert.notEqual(na.peerId, nc.peerId);
  // The page shows it: the neighbour row names the WebRTC path.
  assert.equal(await a.getAttribute(`#neighbours tr[data-peer="${nc.peerId}"]`, 'data-path'), 'webrtc');
  assert.match((await a.textContent('#accuracy'))!, /%/);
  const shotDir = process.env.GL_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'gl-browser-shot-'));
  const shot = join(shotDir, 'browser-node.png');
  await a.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 1000);
  console.log(`browser node screenshot: ${shot}`);
});

test('the bootstrap network view and dashboard show the pages as browsers', { timeout: 60_000, skip }, async () => {
  const b = box!;
  const ids = await Promise.all(pages.map(async (p) => (await statusOf(p)).node!.peerId));
  const net = await b.waitFor(
    'both pages in the bootstrap network view',
    async () => {
      const n = await b.get<{ peers: NetworkPeer[] }>('bootstrap', '/network');
      return n && ids.every((id) => n.peers.some((p) => p.peerId === id)) ? n : null;
    },
    20_000,
  );
  for (const id of ids) assert.equal(net.peers.find((p) => p.peerId === id)!.agent, 'browser');
  const daemonId = (await b.get<DaemonStatus>('joiner-0', '/status'))!.peerId;
  assert.equal(net.peers.find((p) => p.peerId === daemonId)?.agent, 'daemon');
  const dash = await openPage(`${b.info('bootstrap')!.http}/dashboard`);
  const browserRows = `document.querySelectorAll('#peers tbody tr[data-agent="browser"]').length >= 2`;
  await dash.waitForFunction(browserRows, undefined, { timeout: 20_000 });
  assert.ok((await dash.$$('svg#graph circle.node.browser')).length >= 2);
  await dash.close();
});

test('a second tab on a running slot refuses to be the same peer twice', { timeout: 30_000, skip }, async () => {
  const b = box!;
  const twin = await openPage(`${b.info('bootstrap')!.http}/join?slot=a&backend=wasm`);
  const failed = `document.getElementById('state').textContent === 'failed'`;
  await twin.waitForFunction(failed, undefined, { timeout: 20_000 });
  assert.match((await twin.textContent('#error'))!, /slot "a" is already running in another tab/);
  await twin.close();
});

test('a reload is the same peer and resumes from its checkpoint', { timeout: 90_000, skip }, async () => {
  const b = box!;
  const a = pages[0]!;
  const before = (await statusOf(a)).node!;
  assert.ok(before.lastCheckpointRound !== null, 'a checkpoint was saved');
  await a.reload();
  const after = await b.waitFor(
    'the reloaded page learning again',
    async () => {
      const s = await statusOf(a);
      if (s?.error) throw new Error(`page failed after reload: ${s.error}`);
      const n = s?.node;
      return n && n.evaluatedRound !== null && n.round > (n.resumedFromCheckpoint ?? Infinity) ? n : null;
    },
    60_000,
    500,
  );
  assert.equal(after.peerId, before.peerId, 'identity from IndexedDB');
  const resumed = after.resumedFromCheckpoint;
  const saved = before.lastCheckpointRound!;
  assert.ok(resumed !== null && resumed >= saved, `resumed at ${resumed}, saved ${saved}`);
  assert.ok((after.accuracy ?? 0) > ACCURACY_FLOOR, `the model came back too: accuracy ${after.accuracy}`);
});

test('Stop leaves the network cleanly', { timeout: 60_000, skip }, async () => {
  const b = box!;
  const c = pages[1]!;
  const id = (await statusOf(c)).node!.peerId;
  await c.click('#stop');
  const stopped = `document.getElementById('state').textContent.startsWith('stopped')`;
  await c.waitForFunction(stopped, undefined, { timeout: 20_000 });
  assert.equal((await statusOf(c)).node!.stopped, true);
  await b.waitFor(
    'the daemon no longer connected to the stopped page',
    async () => {
      const d = await b.get<DaemonStatus>('joiner-0', '/status');
      return d && !d.neighbours.some((n) => n.id === id && n.connected);
    },
    20_000,
  );
});
