/**
 * A real daemon's /metrics, with a connected peer: `promtool check metrics` accepts the exposition
 * (libp2p's non-counter `_total` series renamed), and the gl_* connection gauges agree with /status.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type NodeStatus } from '../src/cluster/cluster.ts';
import { pairLearning, pairTask, pairTopology } from './support/daemon-pair.ts';

const out = mkdtempSync(join(tmpdir(), 'gl-metrics-'));
let cluster: Cluster | null = null;
const promtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();

after(async () => {
  await cluster?.stopAll(5000);
  if (!process.env.GL_KEEP_TEST_DIRS) rmSync(out, { recursive: true, force: true });
});

/** The value of an unlabelled series in Prometheus text, or undefined. */
function sample(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

test('/metrics passes promtool and its connection gauges agree with /status', { timeout: 90_000 }, async (t) => {
  cluster = await Cluster.create({
    outDir: out,
    topology: pairTopology(),
    rounds: 0,
    task: pairTask({ deadline: { capMs: 2000 } }),
    learning: pairLearning(2),
    daemon: { startupWaitMs: 20_000 },
  });
  const c = cluster;
  c.startAll();
  const connected = (s: NodeStatus | null): boolean =>
    s !== null && s.round >= 3 && s.neighbours.every((n) => n.connected);
  await c.waitFor('both daemons connected and past round 3', (s) => s.every(connected), 75_000);
  // Read both pages until they describe the same moment (a connection may come or go between them).
  let text = '';
  let status: NodeStatus | null = null;
  for (let i = 0; i < 20; i++) {
    const before = await c.status(0);
    text = (await c.metrics(0)) ?? '';
    status = await c.status(0);
    if (before && status && before.connectedPeers === status.connectedPeers) break;
  }
  assert.ok(status && text);
  const nbConnected = status.neighbours.filter((n) => n.connected).length;
  assert.equal(status.connectedPeers, 1);
  assert.equal(sample(text, 'gl_peers_connected'), status.connectedPeers);
  assert.equal(sample(text, 'gl_neighbours_connected'), nbConnected);
  assert.equal(sample(text, 'gl_neighbours'), status.neighbours.length);
  assert.equal(sample(text, 'gl_isolated'), 0);
  assert.match(text, /^libp2p_data_transfer_bytes_total\{/m);

  if (!promtool) return t.skip('promtool not found (apt-get install prometheus)');
  const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(`${check.stdout}${check.stderr}`.trim(), '', 'promtool has no complaints');
  assert.equal(check.status, 0);
});
