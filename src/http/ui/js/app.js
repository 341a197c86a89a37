// The single-page app shell: routes on the path below the UI prefix, swaps pages without
// reloading, polls the current page every few seconds ("updating live"), shows a banner when the
// agent cannot be reached, and records how long each page took to appear (window.__ui.timings).

import { routeOf, decodeId, basePath, netStats } from './api.js';
import { h } from './dom.js';
import { listPage } from './pages/list.js';
import { graphPage } from './pages/graph.js';
import { componentPage } from './pages/component.js';
import { clusteringPage } from './pages/clustering.js';

/** Poll period; tests and impatient users can lower it with localStorage 'river.pollMs'. */
const POLL_MS = Math.max(200, Number(localStorage.getItem('river.pollMs')) || 5000);

const ui = { timings: [], pollTimes: [], polls: 0, page: null, errors: 0, pollMs: POLL_MS };
window.__ui = ui;

const app = document.getElementById('app');
const live = document.getElementById('live');
const banner = document.getElementById('banner');

let current = null;
let navSeq = 0;
let timer = null;
let controller = null;

function notFoundPage({ path }) {
  return {
    name: 'notfound',
    title: 'Not found',
    nav: null,
    el: h('div', { class: 'page not-found' }, h('h1', null, 'Page not found'),
      h('p', null, 'Nothing lives at ', h('code', null, `/${path}`), '.'),
      h('p', null, h('a', { href: './' }, 'All components'))),
    async refresh() {},
    destroy() {},
  };
}

function match(path) {
  const p = path.replace(/\/+$/, '');
  if (p === '' || p === 'index.html') return [listPage, {}];
  if (p === 'graph') return [graphPage, {}];
  if (p === 'clustering') return [clusteringPage, {}];
  if (p.startsWith('component/') && p.length > 'component/'.length) {
    return [componentPage, { id: decodeId(p.slice('component/'.length)) }];
  }
  return [notFoundPage, { path: p }];
}

function setNav(which) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.page) a.classList.toggle('active', a.dataset.page === which);
  }
}

function setLive(ok, message) {
  live.classList.toggle('stale', !ok);
  live.textContent = ok ? 'updating live' : 'not updating';
  live.title = ok ? `Refreshed every ${POLL_MS / 1000}s; last at ${new Date().toLocaleTimeString()}` : message;
  banner.hidden = ok;
  if (!ok) banner.textContent = `Cannot reach the agent: ${message}. Retrying every ${POLL_MS / 1000}s.`;
}

function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

async function show(startedAt) {
  const seq = ++navSeq;
  clearTimeout(timer);
  controller?.abort();
  current?.destroy();
  const path = routeOf(location.pathname);
  const [factory, params] = match(path);
  document.body.dataset.ready = '';
  const page = factory(params);
  current = page;
  ui.page = page.name;
  app.replaceChildren(page.el);
  document.title = `${page.title} · river-agent`;
  setNav(page.nav);
  netStats.fetchMs = 0;
  await poll(seq, startedAt);
}

async function poll(seq, startedAt) {
  if (seq !== navSeq) return;
  if (document.hidden && startedAt == null) {
    document.addEventListener('visibilitychange', () => poll(seq), { once: true });
    return;
  }
  controller = new AbortController();
  const t0 = performance.now();
  try {
    await current.refresh(controller.signal);
    if (seq !== navSeq) return;
    ui.polls++;
    setLive(true);
  } catch (e) {
    if (seq !== navSeq || e.name === 'AbortError') return;
    ui.errors++;
    setLive(false, e.message || String(e));
  }
  const took = performance.now() - t0;
  ui.pollTimes.push(Math.round(took));
  if (ui.pollTimes.length > 50) ui.pollTimes.shift();
  if (startedAt != null) {
    await nextPaint();
    if (seq !== navSeq) return;
    ui.timings.push({
      page: current.name,
      path: location.pathname,
      totalMs: Math.round(performance.now() - startedAt),
      fetchMs: Math.round(netStats.fetchMs),
    });
    document.body.dataset.ready = current.name;
  }
  // Big pages poll less often so a slow render never runs back to back.
  const wait = Math.max(POLL_MS, took * 5);
  timer = setTimeout(() => poll(seq), wait);
}

document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a');
  if (!a || a.hasAttribute('download')) return;
  const target = a.getAttribute('target');
  if (target && target !== '_self') return;
  const href = a.getAttribute('href');
  if (href == null) return;
  const url = new URL(href, document.baseURI);
  if (url.origin !== location.origin || !url.pathname.startsWith(basePath)) return;
  const rel = url.pathname.slice(basePath.length);
  if (rel.startsWith('api/') || rel.startsWith('-/') || rel === 'metrics') return;
  e.preventDefault();
  if (url.href !== location.href) history.pushState(null, '', url.href);
  window.scrollTo(0, 0);
  show(performance.now());
});

window.addEventListener('popstate', () => show(performance.now()));

show(0);
