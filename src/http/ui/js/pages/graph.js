// The graph page (`/graph`): components as boxes with their full IDs, coloured by health, edges
// in the direction data flows, laid out in layers. Drag to pan, wheel or buttons to zoom, click a
// box to open the component. Pan/zoom and the search text survive navigation (sessionStorage),
// and polling only recolours boxes unless the graph's shape changed.

import { jsonSource, componentHref } from '../api.js';
import { h, s, HEALTH_STATES, fmtCount, debounce } from '../dom.js';
import { graphFromComponents, layoutGraph } from '../layout.js';

const VIEW_KEY = 'river.graph.view';
const SEARCH_KEY = 'river.graph.search';
const NODE_H = 28;
const PAD_X = 12;
const FONT_PX = 12;

let charWidth = 0;
function measureChar() {
  if (charWidth) return charWidth;
  const ctx = document.createElement('canvas').getContext('2d');
  if (ctx) {
    ctx.font = `${FONT_PX}px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace`;
    charWidth = ctx.measureText('M'.repeat(20)).width / 20;
  }
  if (!charWidth || !Number.isFinite(charWidth)) charWidth = FONT_PX * 0.62;
  return charWidth;
}

/** Builds the page. */
export function graphPage() {
  const load = jsonSource('components');
  let signature = null;
  let nodeEls = new Map();
  let edgesByNode = new Map();
  let layout = null;
  const saved = readView();
  let view = { tx: 0, ty: 0, k: 1 };
  let sigHash = null;
  let search = sessionStorage.getItem(SEARCH_KEY) || '';

  const viewport = s('g', { class: 'viewport' });
  const svgEl = s('svg', { class: 'graph-svg', role: 'img', 'aria-label': 'Component graph' },
    s('defs', null,
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }))),
    viewport);
  const legend = h('div', { class: 'legend' });
  const searchBox = h('input', {
    type: 'search', class: 'filter', placeholder: 'Find a component', 'aria-label': 'Find a component',
    oninput: debounce(() => { search = searchBox.value; sessionStorage.setItem(SEARCH_KEY, search); highlight(true); }, 120),
    onkeydown: (e) => { if (e.key === 'Enter') highlight(true); },
  });
  searchBox.value = search;
  const matches = h('span', { class: 'shown' });
  const btn = (label, title, fn) => h('button', { type: 'button', class: 'btn', title, 'aria-label': title, onclick: fn }, label);
  const stage = h('div', { class: 'graph-stage' }, svgEl);
  const el = h('div', { class: 'page page-graph' },
    h('div', { class: 'page-head' }, h('h1', null, 'Graph'), legend),
    h('div', { class: 'toolbar' }, searchBox, matches,
      h('span', { class: 'spacer' }),
      btn('−', 'Zoom out', () => zoomBy(1 / 1.25)),
      btn('+', 'Zoom in', () => zoomBy(1.25)),
      btn('Fit', 'Fit the whole graph', () => fit()),
      btn('1:1', 'Actual size', () => { view.k = 1; apply(); })),
    stage);

  // Pan with the mouse; a drag that moved is not a click.
  let drag = null;
  let dragged = false;
  stage.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, tx: view.tx, ty: view.ty };
    dragged = false;
  });
  window.addEventListener('pointermove', onMove);
  window.addEventListener('pointerup', onUp);
  function onMove(e) {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!dragged && Math.hypot(dx, dy) < 4) return;
    dragged = true;
    stage.classList.add('panning');
    view.tx = drag.tx + dx;
    view.ty = drag.ty + dy;
    apply();
  }
  function onUp() {
    drag = null;
    stage.classList.remove('panning');
  }
  stage.addEventListener('click', (e) => {
    if (dragged) { e.preventDefault(); e.stopPropagation(); dragged = false; }
  }, true);
  stage.addEventListener('wheel', (e) => {
    e.preventDefault();
    const rect = stage.getBoundingClientRect();
    zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
  }, { passive: false });
  svgEl.addEventListener('pointerover', (e) => {
    const g = e.target.closest('.node');
    if (g) hover(g.dataset.id, true);
  });
  svgEl.addEventListener('pointerout', (e) => {
    const g = e.target.closest('.node');
    if (g) hover(g.dataset.id, false);
  });

  function hover(id, on) {
    for (const p of edgesByNode.get(id) || []) p.classList.toggle('hot', on);
  }

  function zoomBy(f, cx, cy) {
    const rect = stage.getBoundingClientRect();
    const px = cx ?? rect.width / 2;
    const py = cy ?? rect.height / 2;
    const k = Math.min(4, Math.max(0.02, view.k * f));
    view.tx = px - ((px - view.tx) * k) / view.k;
    view.ty = py - ((py - view.ty) * k) / view.k;
    view.k = k;
    apply();
  }

  function fit() {
    if (!layout) return;
    const rect = stage.getBoundingClientRect();
    const w = rect.width || 800;
    const hgt = rect.height || 600;
    const k = Math.min(1, (w - 40) / Math.max(1, layout.width), (hgt - 40) / Math.max(1, layout.height));
    view.k = Math.max(0.02, k);
    view.tx = (w - layout.width * view.k) / 2;
    view.ty = Math.max(20, (hgt - layout.height * view.k) / 2);
    apply();
  }

  const storeView = () => sessionStorage.setItem(VIEW_KEY, JSON.stringify({ ...view, sig: sigHash }));
  const saveView = debounce(storeView, 150);
  function apply() {
    viewport.setAttribute('transform', `translate(${view.tx.toFixed(1)},${view.ty.toFixed(1)}) scale(${view.k.toFixed(4)})`);
    saveView();
  }

  function centreOn(id) {
    const p = layout?.nodes.get(id);
    if (!p) return;
    const rect = stage.getBoundingClientRect();
    if (view.k < 0.6) view.k = 1;
    view.tx = rect.width / 2 - (p.x + p.w / 2) * view.k;
    view.ty = rect.height / 2 - (p.y + p.h / 2) * view.k;
    apply();
  }

  function highlight(centre) {
    const needle = search.trim().toLowerCase();
    let first = null;
    let n = 0;
    for (const [id, g] of nodeEls) {
      const hit = needle !== '' && id.toLowerCase().includes(needle);
      g.classList.toggle('match', hit);
      if (hit) { n++; if (!first) first = id; }
    }
    svgEl.classList.toggle('searching', needle !== '');
    matches.textContent = needle ? `${fmtCount(n)} match${n === 1 ? '' : 'es'}` : '';
    if (centre && first) centreOn(first);
  }

  function updateLegend(nodes) {
    const counts = new Map(HEALTH_STATES.map((st) => [st, 0]));
    for (const nd of nodes) counts.set(nd.health, (counts.get(nd.health) || 0) + 1);
    legend.replaceChildren(
      h('span', { class: 'legend-total' }, `${fmtCount(nodes.length)} components`),
      ...[...counts].map(([st, c]) => h('span', { class: `legend-item health-${st}`, dataset: { state: st } },
        h('span', { class: 'swatch' }), `${st} ${fmtCount(c)}`)),
      h('span', { class: 'legend-edge', title: 'The component sends data to the one the arrow points at' },
        s('svg', { width: 28, height: 8 }, s('line', { x1: 0, y1: 4, x2: 28, y2: 4, class: 'edge edge-data' })), 'data'),
      h('span', { class: 'legend-edge', title: 'The component the arrow points at uses an export of this one' },
        s('svg', { width: 28, height: 8 }, s('line', { x1: 0, y1: 4, x2: 28, y2: 4, class: 'edge edge-ref' })), 'reference'),
    );
  }

  function draw(graph) {
    const cw = measureChar();
    layout = layoutGraph(graph, (nd) => Math.ceil(nd.id.length * cw) + 2 * PAD_X, { nodeHeight: NODE_H });
    nodeEls = new Map();
    edgesByNode = new Map();
    const edgeLayer = s('g', { class: 'edges' });
    const nodeLayer = s('g', { class: 'nodes' });
    const edgeFrag = document.createDocumentFragment();
    for (const e of layout.edges) {
      const p = s('path', { d: e.path, class: `edge edge-${e.kind}`, 'marker-end': 'url(#arrow)', dataset: { from: e.from, to: e.to } });
      edgeFrag.append(p);
      for (const id of [e.from, e.to]) {
        if (!edgesByNode.has(id)) edgesByNode.set(id, []);
        edgesByNode.get(id).push(p);
      }
    }
    edgeLayer.append(edgeFrag);
    const nodeFrag = document.createDocumentFragment();
    for (const nd of graph.nodes) {
      const p = layout.nodes.get(nd.id);
      const g = s('a', {
        href: componentHref(nd.id),
        class: `node health-${nd.health}`,
        dataset: { id: nd.id },
        transform: `translate(${p.x},${p.y})`,
      },
      s('title', null, `${nd.id} (${nd.health})`),
      s('rect', { width: p.w, height: p.h, rx: 5 }),
      s('text', { x: PAD_X, y: p.h / 2, 'dominant-baseline': 'central' }, nd.id));
      nodeFrag.append(g);
      nodeEls.set(nd.id, g);
    }
    nodeLayer.append(nodeFrag);
    viewport.replaceChildren(edgeLayer, nodeLayer);
  }

  function recolour(graph) {
    for (const nd of graph.nodes) {
      const g = nodeEls.get(nd.id);
      if (!g) continue;
      const cls = `node health-${nd.health}`;
      if (g.getAttribute('class').replace(/ match$/, '') !== cls) {
        const match = g.classList.contains('match');
        g.setAttribute('class', cls);
        if (match) g.classList.add('match');
        g.firstChild.textContent = `${nd.id} (${nd.health})`;
      }
    }
  }

  return {
    name: 'graph',
    title: 'Graph',
    nav: 'graph',
    el,
    async refresh(signal) {
      const { changed, data } = await load(signal);
      if (!changed && layout) return;
      const graph = graphFromComponents(Array.isArray(data) ? data : []);
      const sig = graph.nodes.map((nd) => nd.id).join('\n') + '\u0001'
        + graph.edges.map((e) => `${e.from}>${e.to}`).join('\n');
      updateLegend(graph.nodes);
      if (sig !== signature) {
        const first = signature === null;
        signature = sig;
        sigHash = hash(sig);
        draw(graph);
        highlight(false);
        if (first && saved && saved.sig === sigHash) {
          view = { tx: saved.tx, ty: saved.ty, k: saved.k };
          apply();
        } else if (first) {
          fit();
        } else {
          apply();
        }
      } else {
        recolour(graph);
      }
    },
    destroy() {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      if (layout) storeView();
    },
  };
}

function readView() {
  try {
    const v = JSON.parse(sessionStorage.getItem(VIEW_KEY) || 'null');
    if (v && Number.isFinite(v.tx) && Number.isFinite(v.ty) && Number.isFinite(v.k) && v.k > 0) return v;
  } catch { /* ignore a corrupt entry */ }
  return null;
}

/** A short stable hash (FNV-1a) of the graph's shape, so a saved view only applies to the same graph. */
function hash(str) {
  let x = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    x ^= str.charCodeAt(i);
    x = Math.imul(x, 0x01000193);
  }
  return (x >>> 0).toString(16);
}
