/**
 * The live dashboard (GET /dashboard, on every daemon and bootstrap node): one static page whose script
 * polls /status every second and draws this node; where /network answers (a testnet member or bootstrap
 * node) it also draws a table of the peers heard and the neighbour graph (SVG).
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gossiplearn dashboard</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.3em; margin: 0 0 .3em; }
  #self { color: #555; margin-bottom: 1em; }
  table { border-collapse: collapse; margin: 1em 0; }
  th, td { border-bottom: 1px solid #ddd; padding: .25em .7em; text-align: right; }
  th:first-child, td:first-child { text-align: left; font-family: monospace; }
  tr.refused td { color: #b00; }
  svg { border: 1px solid #ddd; background: #fafafa; }
  line.edge { stroke: #4a7; stroke-width: 2; }
  line.edge.relayed { stroke: #e80; stroke-dasharray: 5 3; }
  line.edge.webrtc { stroke: #a3c; }
  circle.node.browser { fill: #e60; }
  td.agent { font-family: monospace; }
  circle.node { fill: #36c; }
  text.label { font: 11px monospace; }
  #error { color: #b00; }
</style>
</head>
<body>
<h1>gossiplearn <span id="network"></span></h1>
<div id="self">loading…</div>
<div id="error"></div>
<svg id="graph" width="520" height="320" viewBox="0 0 520 320"></svg>
<table id="peers">
  <thead><tr><th>peer</th><th>agent</th><th>task</th><th>round</th><th>accuracy</th><th>sent</th><th>received</th>
    <th>accepted</th><th>rejected</th><th>neighbours</th><th>seen</th></tr></thead>
  <tbody></tbody>
</table>
<script>
const SVG = 'http://www.w3.org/2000/svg';
const short = (id) => id.slice(0, 4) + '…' + id.slice(-6);
const kb = (n) => (n / 1024).toFixed(1) + ' KiB';
const pct = (a) => (a === null || a === undefined ? '-' : (100 * a).toFixed(1) + '%');
const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);

function cell(tr, text) { const td = document.createElement('td'); td.textContent = text; tr.appendChild(td); }

function drawPeers(net, self) {
  const tbody = document.querySelector('#peers tbody');
  tbody.replaceChildren();
  for (const p of net.peers) {
    const tr = document.createElement('tr');
    tr.className = 'peer' + (self.testnet && p.taskHash !== self.testnet.taskHash ? ' refused' : '');
    tr.dataset.peer = p.peerId;
    tr.dataset.round = String(p.round);
    tr.dataset.agent = p.agent || 'daemon';
    cell(tr, short(p.peerId)); cell(tr, p.agent || 'daemon'); tr.lastChild.className = 'agent';
    cell(tr, p.taskHash); cell(tr, String(p.round)); cell(tr, pct(p.accuracy));
    cell(tr, kb(p.bytes.sent)); cell(tr, kb(p.bytes.received));
    cell(tr, String(p.accepted)); cell(tr, String(sum(p.rejected)));
    cell(tr, String(p.neighbours.length)); cell(tr, p.ageSeconds.toFixed(0) + ' s ago');
    tbody.appendChild(tr);
  }
}

function drawGraph(net) {
  const svg = document.getElementById('graph');
  svg.replaceChildren();
  const n = net.peers.length, cx = 220, cy = 160, r = 120;
  const pos = new Map(net.peers.map((p, i) => [p.peerId, [
    cx + r * Math.cos(2 * Math.PI * i / n - Math.PI / 2),
    cy + r * Math.sin(2 * Math.PI * i / n - Math.PI / 2)
  ]]));
  for (const l of net.links) {
    const a = pos.get(l.a), b = pos.get(l.b);
    if (!a || !b) continue;
    const e = document.createElementNS(SVG, 'line');
    e.setAttribute('class', 'edge ' + l.path);
    e.setAttribute('x1', a[0]); e.setAttribute('y1', a[1]); e.setAttribute('x2', b[0]); e.setAttribute('y2', b[1]);
    svg.appendChild(e);
  }
  for (const p of net.peers) {
    const [x, y] = pos.get(p.peerId);
    const c = document.createElementNS(SVG, 'circle');
    c.setAttribute('class', 'node ' + (p.agent || 'daemon'));
    c.setAttribute('cx', x); c.setAttribute('cy', y); c.setAttribute('r', 9);
    const t = document.createElementNS(SVG, 'text');
    t.setAttribute('class', 'label'); t.setAttribute('x', x + 12); t.setAttribute('y', y + 4);
    t.textContent = short(p.peerId) + ' r' + p.round;
    svg.append(c, t);
  }
}

async function refresh() {
  try {
    const self = await (await fetch('/status')).json();
    document.getElementById('network').textContent =
      '· ' + self.network + (self.role === 'bootstrap' ? ' · bootstrap' : '');
    document.getElementById('self').textContent = self.role === 'bootstrap'
      ? 'bootstrap ' + self.peerId + ' · ' + self.connectedPeers + ' connections · ' +
        self.relayReservations + ' relay reservations'
      : 'node ' + self.peerId + ' · round ' + self.round + ' · accuracy ' + pct(self.accuracy) +
        ' · refused ' + (self.refused || []).length;
    const res = await fetch('/network');
    if (res.ok) { const net = await res.json(); drawPeers(net, self); drawGraph(net); }
    document.getElementById('error').textContent = '';
  } catch (e) {
    document.getElementById('error').textContent = 'cannot reach the node: ' + e;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
