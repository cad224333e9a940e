/**
 * A testnet in a box on loopback (real `gossiplearn testnet` processes): a bootstrap node, a
 * joiner, a joiner reachable only through the bootstrap's relay, and a joiner on another task.
 * The relayed joiner's updates are accepted, the other task is refused, and the bootstrap's
 * dashboard shows the network in headless Chromium.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { TestnetBox } from '../src/cluster/testnet-box.ts';
import { parseTaskSpec, taskHash } from '../src/task/spec.ts';

const CHROMIUM = '/usr/bin/chromium';
const out = mkdtempSync(join(tmpdir(), 'gl-testnet-'));
let box: TestnetBox | null = null;
let browser: BrowserContext | null = null;

interface Neighbour {
  id: string;
  path: 'direct' | 'relayed' | 'none';
  updates: { received: number; rejected: number; accepted: number };
}
interface Status {
  peerId: string;
  round: number;
  testnet: { taskHash: string } | null;
  refused: Array<{ peer: string; reason: string }>;
  neighbours: Neighbour[];
  addresses: string[];
}

before(async () => {
  box = await TestnetBox.create({ outDir: out, manifest: 'testnets/local.json' });
  const b = box;
  const other = b.writeVariant('other-task', (m) => {
    const task = m.task as { node: Record<string, unknown> };
    const changed = { ...task, node: { ...task.node, localSteps: 7 } };
    return { ...m, task: changed, taskHash: taskHash(parseTaskSpec(changed, 'variant'), m.shards as number) };
  });
  b.startBootstrap();
  await b.waitFor('the bootstrap node', () => b.get('bootstrap', '/status'), 20_000);
  b.startJoiner(0);
  b.startJoiner(1, { relayOnly: true });
  b.startJoiner(2, { manifest: other });
});

after(async () => {
  await browser?.close().catch(() => {});
  await box?.stopAll(5000);
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

test('a joiner reachable only through the relay exchanges updates', { timeout: 60_000 }, async () => {
  const b = box!;
  const [s0, s1] = await b.waitFor(
    "joiners 0 and 1 accepting each other's updates",
    async () => {
      const s = [await b.get<Status>('joiner-0', '/status'), await b.get<Status>('joiner-1', '/status')];
      if (!s[0] || !s[1]) return null;
      const from = (x: Status, peer: string) => x.neighbours.find((n) => n.id === peer);
      const ok =
        (from(s[0], s[1].peerId)?.updates.accepted ?? 0) >= 3 && (from(s[1], s[0].peerId)?.updates.accepted ?? 0) >= 3;
      return ok ? s : null;
    },
    45_000,
  );
  // Joiner 1 has no listen address of its own: only a circuit address through the bootstrap.
  assert.ok(
    s1!.addresses.length > 0 && s1!.addresses.every((a) => a.includes(`/p2p/${b.bootstrapPeer}/p2p-circuit`)),
    `relayed addresses: ${s1!.addresses}`,
  );
  assert.equal(s0!.neighbours.find((n) => n.id === s1!.peerId)!.path, 'relayed');
  assert.ok(s0!.round > 0 && s1!.round > 0);
});

test('a node on another task is refused, in the log and on /status', { timeout: 60_000 }, async () => {
  const b = box!;
  const s = await b.waitFor(
    'joiner 0 refusing joiner 2',
    async () => {
      const [s0, s2] = [await b.get<Status>('joiner-0', '/status'), await b.get<Status>('joiner-2', '/status')];
      return s0 && s2 && s0.refused.some((r) => r.peer === s2.peerId) && s2.refused.some((r) => r.peer === s0.peerId)
        ? [s0, s2]
        : null;
    },
    45_000,
  );
  const [s0, s2] = s as [Status, Status];
  const reason = s0.refused.find((r) => r.peer === s2.peerId)!.reason;
  assert.equal(reason, `task hash ${s2.testnet!.taskHash} ≠ ours ${s0.testnet!.taskHash}`);
  assert.ok(!s0.neighbours.some((n) => n.id === s2.peerId), 'the refused peer is no neighbour');
  assert.ok(!s2.neighbours.some((n) => n.id === s0.peerId), 'and the refusal is mutual');
  assert.match(
    readFileSync(join(b.dir('joiner-0'), 'daemon.log'), 'utf8'),
    new RegExp(`refusing to merge with ${s2.peerId}: task hash`),
  );
});

test('the bootstrap dashboard shows the network in headless Chromium', {
  timeout: 60_000,
  skip: !existsSync(CHROMIUM) && 'no /usr/bin/chromium',
}, async () => {
  const b = box!;
  const info = await b.waitFor('bootstrap info', async () => b.info('bootstrap'), 5000);
  // A fresh profile in the test's temp dir.
  browser = await chromium.launchPersistentContext(join(out, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${info.http}/dashboard`);
  // Two peers with rounds > 0 and the SVG graph with at least one edge.
  // (A string: it runs in the page, and the project's tsconfig has no DOM types.)
  await page.waitForFunction(
    `[...document.querySelectorAll('#peers tbody tr.peer')].filter((tr) => Number(tr.dataset.round) > 0).length >= 2`,
    undefined,
    { timeout: 40_000 },
  );
  // 'attached', not visible: a horizontal edge has an empty bounding box.
  await page.waitForSelector('svg#graph line.edge', { state: 'attached', timeout: 20_000 });
  const rows = await page.$$eval('#peers tbody tr.peer', (trs) =>
    trs.map((tr) => ({
      peer: tr.getAttribute('data-peer'),
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
    })),
  );
  assert.ok(rows.length >= 2);
  const s0 = (await b.get<Status>('joiner-0', '/status'))!;
  assert.ok(
    rows.some((r) => r.peer === s0.peerId),
    'joiner 0 listed',
  );
  assert.ok(rows.every((r) => r.cells.length === 11));
  assert.match((await page.textContent('#network'))!, /gl-local · bootstrap/);
  assert.ok((await page.$$('svg#graph circle.node')).length >= 2);
  const shot = join(process.env.GL_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'gl-dashboard-')), 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 1000);
  console.log(`dashboard screenshot: ${shot}`);
});
