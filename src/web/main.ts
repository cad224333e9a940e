/**
 * The page at /join on a bootstrap node: loads and checks the manifest, restores the tab's identity,
 * picks a tfjs backend, fetches the task's data, starts a BrowserNode and shows it live.
 * URL parameters: task=<hash> (refuse any other task), slot=<name> (another peer identity in the
 * same browser), backend=webgl|wasm|cpu, shard=<i>, neighbours=<n>, samples=<test samples>,
 * stun=<url> (repeatable: STUN/TURN servers for WebRTC beyond one host or LAN).
 */
import type { MemberLog } from '../testnet/member.ts';
import { selectPageBackend, type PageBackend } from './backend.ts';
import { BrowserNode, type BrowserNodeStatus } from './browser-node.ts';
import { fetchTaskDataset } from './dataset.ts';
import { loadOrCreateBrowserIdentity } from './identity.ts';
import { parseJoinDocument, shardOfPeer } from './join-info.ts';
import { KvStore } from './kv-store.ts';

const MANIFEST_URL = '/join/manifest.json';
const params = new URLSearchParams(location.search);
const $ = (id: string): HTMLElement => document.getElementById(id)!;

let node: BrowserNode | null = null;
let state = 'loading';
let error: string | null = null;

function setState(s: string): void {
  state = s;
  $('state').textContent = s;
}

function logLine(level: string, obj: object, msg?: string): void {
  const text = `${new Date().toISOString().slice(11, 19)} ${level} ${msg ?? ''} ${JSON.stringify(obj)}`;
  (level === 'warn' ? console.warn : console.log)(text);
  const div = document.createElement('div');
  div.textContent = text;
  const log = $('log');
  log.prepend(div);
  while (log.childElementCount > 200) log.lastElementChild!.remove();
}

const pageLog: MemberLog = {
  info: (obj, msg) => logLine('info', obj, msg),
  warn: (obj, msg) => logLine('warn', obj, msg),
  debug: () => {},
};

function intParam(name: string, fallback: number, min: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`?${name}=${raw}: expected an integer >= ${min}`);
  return v;
}

function backendParam(): PageBackend | 'auto' {
  const b = params.get('backend') ?? 'auto';
  if (b === 'auto' || b === 'webgl' || b === 'wasm' || b === 'cpu') return b;
  throw new Error(`?backend=${b}: expected webgl, wasm, cpu or auto`);
}

const short = (id: string): string => `${id.slice(0, 6)}…${id.slice(-6)}`;
const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

function render(s: BrowserNodeStatus): void {
  $('peer').textContent = s.peerId;
  $('task').textContent = s.taskHash;
  $('backend').textContent = s.backend;
  $('shard').textContent = `${s.shard} (${s.shardSamples} samples, ${s.params} parameters)`;
  $('round').textContent = String(s.round);
  const accuracy = s.accuracy === null ? '-' : `${(100 * s.accuracy).toFixed(1)}% (round ${s.evaluatedRound})`;
  $('accuracy').textContent = accuracy;
  $('bytes').textContent = `${kib(s.bytes.sent)} / ${kib(s.bytes.received)}`;
  $('resumed').textContent = s.resumedFromCheckpoint === null ? '-' : `round ${s.resumedFromCheckpoint}`;
  const rows = s.neighbours.map((n) => {
    const tr = document.createElement('tr');
    tr.dataset.peer = n.id;
    tr.dataset.path = n.path;
    const counts = [n.received, n.accepted, n.rejected].map(String);
    const cells = [short(n.id), n.path, n.listening ? 'yes' : 'no', ...counts, kib(n.bytesReceived)];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (i === 1) {
        td.className = `path-${n.path}`;
        td.title = n.addrs.join('\n');
      }
      tr.appendChild(td);
    });
    return tr;
  });
  $('neighbours')
    .querySelector('tbody')!
    .replaceChildren(...rows);
}

/** STUN/TURN servers from ?stun=stun:host:port (repeatable); none: host candidates only. */
function iceServersParam(): RTCIceServer[] {
  const urls = params.getAll('stun');
  for (const u of urls)
    if (!/^(stun|stuns|turn|turns):/.test(u)) throw new Error(`?stun=${u}: expected a stun: or turn: URL`);
  return urls.map((u) => ({ urls: u }));
}

/**
 * Hold this slot's Web Lock for the life of the page: a second tab on the same slot would be the
 * same peer id twice. Resolves false when another tab holds it.
 */
function holdSlotLock(slot: string): Promise<boolean> {
  if (!('locks' in navigator)) return Promise.resolve(true);
  return new Promise((resolve) => {
    void navigator.locks.request(`gossiplearn/slot/${slot}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      // Never released while the page lives: the browser drops it when the tab closes or reloads.
      return lock === null ? undefined : new Promise<void>(() => {});
    });
  });
}

async function main(): Promise<void> {
  const slot = params.get('slot') ?? 'default';
  if (!(await holdSlotLock(slot)))
    throw new Error(`slot "${slot}" is already running in another tab: open this one with ?slot=<another name>`);
  const iceServers = iceServersParam();
  setState('loading the manifest');
  const res = await fetch(MANIFEST_URL);
  if (!res.ok) throw new Error(`${MANIFEST_URL}: HTTP ${res.status}`);
  const join = parseJoinDocument(await res.json(), MANIFEST_URL, params.get('task'));
  $('network').textContent = `· ${join.network}`;
  $('task').textContent = join.taskHash;
  const store = await KvStore.open(`slot:${slot}`);
  const identity = await loadOrCreateBrowserIdentity(store);
  $('peer').textContent = identity.peerId;
  if (join.allowList)
    pageLog.warn({ peerId: identity.peerId }, 'this testnet has an allow-list: this peer id must be on it');
  setState('loading TensorFlow.js');
  const backend = await selectPageBackend(backendParam(), '/join/wasm/');
  setState(`loading the dataset (${join.task.dataset.type})`);
  const data = await fetchTaskDataset(join.task.dataset, join.task.seed, '/join/mnist');
  const shards = join.shards;
  const shard = params.has('shard') ? intParam('shard', 0, 0) : shardOfPeer(identity.peerId, shards);
  if (shard >= shards) throw new Error(`?shard=${shard}: the task has ${shards} shards`);
  setState('connecting');
  node = await BrowserNode.start({
    join,
    identity,
    store,
    data,
    shard,
    backend,
    maxNeighbours: intParam('neighbours', 8, 1),
    testSamples: intParam('samples', 500, 1),
    checkpointEvery: 1,
    iceServers,
    log: pageLog,
  });
  const running = node;
  setState('learning');
  const stop = $('stop') as HTMLButtonElement;
  stop.disabled = false;
  stop.onclick = () => {
    stop.disabled = true;
    setState('stopping');
    running.stop().then(
      () => setState('stopped: left the network (reload to rejoin as the same peer)'),
      (e: Error) => fail(e),
    );
  };
  const tick = (): void => render(running.status());
  tick();
  setInterval(tick, 1000);
}

function fail(e: unknown): void {
  error = e instanceof Error ? e.message : String(e);
  setState('failed');
  $('error').textContent = error;
  console.error(e);
}

/** For tests and scripts: the node's status, and Stop. */
(globalThis as { gossiplearn?: unknown }).gossiplearn = {
  status: () => ({ state, error, node: node?.status() ?? null }),
  stop: () => node?.stop(),
};

main().catch(fail);
