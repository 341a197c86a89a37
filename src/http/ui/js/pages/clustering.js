// The clustering page (`/clustering`): the peers this node sees (name, advertised address,
// state, whether it is this node) with counts by state and each participant's share of the
// hash ring; this node's cluster health from its own /metrics (readiness gate, name conflicts,
// join failures, gossip traffic); and a log of membership changes seen while the page is open.

import { jsonSource, getText } from '../api.js';
import { h, chipBar, fmtCount, plural } from '../dom.js';
import { createVirtualTable } from '../vtable.js';
import { ringShares } from '../ring.js';

const STATES = ['participant', 'viewer', 'terminating'];
const MAX_CHANGES = 30;

/** Parses the cluster_* samples of a Prometheus text exposition: [{ name, labels, value }]. */
export function parseClusterMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cluster_')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let lm;
      while ((lm = re.exec(m[3]))) labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

function fmtBytes(n) {
  if (!Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** Builds the page. */
export function clusteringPage() {
  const load = jsonSource('peers');
  let peers = [];
  let stateFilter = null;
  let prevPeers = null;
  let prevCounters = null;
  const changes = [];
  let shares = new Map();
  let shareKey = '';

  const table = createVirtualTable({
    label: 'Peers',
    className: 'peers-table',
    emptyText: 'No peers.',
    rowKey: (p) => p.name,
    columns: [
      { key: 'name', title: 'Node Name', width: 'minmax(160px, 2fr)', text: (p) => p.name },
      { key: 'addr', title: 'Advertised Address', width: 'minmax(160px, 2fr)', text: (p) => p.addr },
      {
        key: 'state', title: 'Current State', width: '150px', text: (p) => p.state,
        render: (p) => h('span', { class: `badge state-${p.state}` }, p.state),
      },
      {
        key: 'self', title: 'Local Node', width: '110px', text: (p) => (p.isSelf ? 'yes' : ''),
        render: (p) => (p.isSelf ? h('span', { class: 'check', 'aria-label': 'local node', title: 'This node' }, '✔') : ''),
      },
      {
        key: 'share', title: 'Ring share', width: '120px',
        text: (p) => (shares.has(p.name) ? `${(shares.get(p.name) * 100).toFixed(1)}%` : '–'),
        sort: (p) => shares.get(p.name) ?? -1,
      },
    ],
  });
  const chips = chipBar('Filter by state', (key) => { stateFilter = key; apply(); });
  const summary = h('p', { class: 'summary', id: 'cluster-summary' });
  const nodePanel = h('section', { class: 'section node-panel', hidden: true });
  const alerts = h('div', { class: 'cluster-alerts' });
  const changeList = h('ol', { class: 'changes' });
  const changeSection = h('section', { class: 'section changes-section' },
    h('h2', null, 'Membership changes seen by this page'), changeList);
  const el = h('div', { class: 'page page-clustering' },
    h('div', { class: 'page-head' }, h('h1', null, 'Clustering'), chips.el),
    alerts, summary, table.el, nodePanel, changeSection);

  function apply() {
    const counts = new Map(STATES.map((st) => [st, 0]));
    for (const p of peers) counts.set(p.state, (counts.get(p.state) || 0) + 1);
    chips.update(counts, peers.length, stateFilter);
    const participants = peers.filter((p) => p.state === 'participant').map((p) => p.name).sort();
    const key = participants.join('\u0000');
    if (key !== shareKey) {
      shareKey = key;
      shares = participants.length <= 200 ? ringShares(participants) : new Map();
    }
    summary.textContent = `${plural(peers.length, 'peer')}: ${[...counts].map(([st, n]) => `${fmtCount(n)} ${st}`).join(', ')}. `
      + 'Ring share is the part of the target key space each participant owns (viewers and terminating nodes own none).';
    table.setRows(peers.filter((p) => !stateFilter || p.state === stateFilter)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  }

  function noteChanges(next) {
    const now = new Date().toLocaleTimeString();
    if (prevPeers) {
      const before = new Map(prevPeers.map((p) => [p.name, p]));
      const after = new Map(next.map((p) => [p.name, p]));
      for (const [name, p] of after) {
        const b = before.get(name);
        if (!b) changes.unshift(`${now}: ${name} joined (${p.state}, ${p.addr})`);
        else if (b.state !== p.state) changes.unshift(`${now}: ${name} ${b.state} → ${p.state}`);
        else if (b.addr !== p.addr) changes.unshift(`${now}: ${name} moved ${b.addr} → ${p.addr}`);
      }
      for (const name of before.keys()) if (!after.has(name)) changes.unshift(`${now}: ${name} left`);
      changes.splice(MAX_CHANGES);
    }
    prevPeers = next;
    changeList.replaceChildren(...(changes.length
      ? changes.map((c) => h('li', null, c))
      : [h('li', { class: 'muted' }, 'None yet.')]));
  }

  function renderNode(samples) {
    if (!samples.length) { nodePanel.hidden = true; alerts.replaceChildren(); return; }
    const one = (name) => samples.find((x) => x.name === name);
    const val = (name) => one(name)?.value;
    const sum = (name) => samples.filter((x) => x.name === name).reduce((a, x) => a + x.value, 0);
    const info = samples.find((x) => x.name === 'cluster_node_info' && x.value === 1);
    const clusterName = samples.find((x) => x.labels.cluster_name !== undefined)?.labels.cluster_name;
    const now = performance.now();
    const counters = {
      rxB: sum('cluster_transport_rx_bytes_total'), txB: sum('cluster_transport_tx_bytes_total'),
      rxP: sum('cluster_transport_rx_packets_total'), txP: sum('cluster_transport_tx_packets_total'),
      t: now,
    };
    let rate = '';
    if (prevCounters && now > prevCounters.t) {
      const dt = (now - prevCounters.t) / 1000;
      rate = ` (now ${fmtBytes((counters.rxB - prevCounters.rxB) / dt)}/s in, ${fmtBytes((counters.txB - prevCounters.txB) / dt)}/s out)`;
    }
    prevCounters = counters;
    const yes = (v) => (v === undefined ? '–' : v ? 'yes' : 'no');
    const rows = [
      ['Cluster name', clusterName === undefined ? '–' : clusterName || '(empty)'],
      ['This node\'s state', info?.labels.state || '–'],
      ['Ready for traffic', `${yes(val('cluster_ready_for_traffic'))}${val('cluster_minimum_size') ? ` (waits for ${val('cluster_minimum_size')} nodes)` : ''}`],
      ['Gossip health score', val('cluster_node_gossip_health_score') === undefined ? '–' : `${val('cluster_node_gossip_health_score')} (0 is healthy)`],
      ['Live members', val('cluster_node_gossip_alive_peers') ?? '–'],
      ['Node name conflict', yes(val('cluster_node_name_conflict'))],
      ['Join failing', yes(val('cluster_node_join_failing'))],
      ['State version', val('cluster_node_lamport_time') ?? '–'],
      ['Gossip traffic', `${fmtCount(counters.rxP)} packets / ${fmtBytes(counters.rxB)} in, ${fmtCount(counters.txP)} packets / ${fmtBytes(counters.txB)} out${rate}`],
      ['Failed or dropped packets', `${fmtCount(sum('cluster_transport_rx_packets_failed_total'))} in failed, ${fmtCount(sum('cluster_transport_tx_packets_failed_total'))} out failed, ${fmtCount(sum('cluster_transport_rx_packets_dropped_total') + sum('cluster_transport_tx_packets_dropped_total'))} dropped`],
    ];
    nodePanel.hidden = false;
    nodePanel.replaceChildren(h('h2', null, 'This node'),
      h('dl', { class: 'facts node-facts' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, String(v))])));
    const warn = [];
    if (val('cluster_node_name_conflict')) warn.push(['error', 'Another live process uses this node\'s name: this node takes no targets until the conflict is resolved (give every node a unique --cluster.node-name).']);
    if (val('cluster_node_join_failing')) warn.push(['warn', 'This node could not reach any of its join addresses and is alone.']);
    if (val('cluster_ready_for_traffic') === 0) warn.push(['warn', 'Clustered components are not taking work yet (waiting for the minimum cluster size).']);
    alerts.replaceChildren(...warn.map(([cls, text]) => h('p', { class: `alert alert-${cls}`, role: 'alert' }, text)));
  }

  return {
    name: 'clustering',
    title: 'Clustering',
    nav: 'clustering',
    el,
    async refresh(signal) {
      const { changed, data } = await load(signal);
      if (changed || !prevPeers) {
        peers = Array.isArray(data) ? data : [];
        noteChanges(peers);
        apply();
      }
      try {
        const text = await getText(new URL('/metrics', location.origin).href, signal);
        renderNode(parseClusterMetrics(text));
      } catch (e) {
        if (e.name === 'AbortError') throw e;
        renderNode([]);
      }
    },
    destroy() {},
  };
}
