// Long runs of repeated blocks (e.g. the `target` blocks in prometheus.scrape's debug info, which
// can number tens of thousands) shown as a filterable, sortable, virtualized table instead of
// River text. Clicking a row shows that block as River below the table.

import { h, chipBar, fmtCount, debounce } from './dom.js';
import { createVirtualTable } from './vtable.js';
import { cellText, bodyText } from './river.js';

/** Runs of at least this many consecutive same-name blocks become a table. */
export const TABLE_THRESHOLD = 20;

const HEALTH_ORDER = ['down', 'unknown', 'up'];

/**
 * Splits a body into segments: { kind: 'text', body: [...] } and
 * { kind: 'table', name, blocks: [...] } for runs of ≥ TABLE_THRESHOLD same-name blocks.
 */
export function segmentBody(body) {
  const segs = [];
  let text = [];
  const list = Array.isArray(body) ? body : [];
  for (let i = 0; i < list.length;) {
    const st = list[i];
    if (st && st.type === 'block') {
      let j = i;
      while (j < list.length && list[j]?.type === 'block' && list[j].name === st.name) j++;
      if (j - i >= TABLE_THRESHOLD) {
        if (text.length) { segs.push({ kind: 'text', body: text }); text = []; }
        segs.push({ kind: 'table', name: st.name, blocks: list.slice(i, j) });
        i = j;
        continue;
      }
    }
    text.push(st);
    i++;
  }
  if (text.length) segs.push({ kind: 'text', body: text });
  return segs;
}

function columnsOf(blocks) {
  const names = [];
  const seen = new Set();
  for (const b of blocks.slice(0, 200)) {
    for (const st of b.body || []) {
      if (st.type === 'attr' && !seen.has(st.name)) { seen.add(st.name); names.push(st.name); }
    }
  }
  return names;
}

function widthFor(name, rows) {
  if (name === 'health') return '90px';
  let total = 0;
  const sample = rows.slice(0, 100);
  for (const r of sample) total += (r.cells[name] || '').length;
  const avg = sample.length ? total / sample.length : 10;
  // Share the width in proportion to typical content length.
  return `minmax(90px, ${Math.max(4, Math.min(60, Math.round(avg)))}fr)`;
}

/** A table widget for a run of blocks. Returns { el, update(blocks) }. */
export function blockTable(name, blocks, sectionId) {
  const stateKey = `river.blocks.${sectionId}.${name}`;
  const saved = JSON.parse(sessionStorage.getItem(stateKey) || '{}');
  let filter = saved.filter || '';
  let health = saved.health || null;
  let rows = [];
  let selectedIndex = null;
  let table = null;
  let colNames = [];
  let hasHealth = false;

  const title = h('h3', { class: 'block-run-title' });
  const input = h('input', {
    type: 'search', class: 'filter', placeholder: 'Filter (any column; words must all match)',
    'aria-label': `Filter ${name} blocks`,
    oninput: debounce(() => { filter = input.value; persist(); apply(); }, 100),
  });
  input.value = filter;
  const chips = chipBar('Filter by health', (key) => { health = key; persist(); apply(); });
  const shown = h('span', { class: 'shown' });
  const tableHolder = h('div', { class: 'block-table-holder' });
  const detail = h('pre', { class: 'river block-detail', hidden: true });
  const el = h('div', { class: 'block-run', dataset: { block: name } },
    title, h('div', { class: 'toolbar' }, input, shown, chips.el), tableHolder, detail);

  function persist() {
    sessionStorage.setItem(stateKey, JSON.stringify({ filter, health }));
  }

  function toRows(list) {
    return list.map((b, i) => {
      const cells = {};
      for (const st of b.body || []) if (st.type === 'attr') cells[st.name] = cellText(st.value);
      const search = Object.values(cells).join('\u0000').toLowerCase();
      return { i, block: b, cells, search };
    });
  }

  function build() {
    colNames = columnsOf(rows.map((r) => r.block));
    hasHealth = colNames.includes('health');
    const columns = [
      { key: '_n', title: '#', width: '64px', text: (r) => String(r.i + 1), sort: (r) => r.i },
      ...colNames.map((c) => ({
        key: c,
        title: c,
        width: widthFor(c, rows),
        text: (r) => r.cells[c] ?? '',
        sort: c === 'health' ? (r) => HEALTH_ORDER.indexOf(r.cells.health) : undefined,
        render: c === 'health'
          ? (r) => h('span', { class: `badge target-${r.cells.health || 'unknown'}` }, r.cells.health || '')
          : undefined,
      })),
    ];
    table = createVirtualTable({
      label: `${name} blocks`,
      className: 'block-table',
      emptyText: 'No block matches the filter.',
      rowKey: (r) => String(r.i),
      columns,
      onRowClick: (r) => {
        selectedIndex = r.i;
        showDetail();
      },
    });
    tableHolder.replaceChildren(table.el);
    chips.el.hidden = !hasHealth;
  }

  function showDetail() {
    const r = rows[selectedIndex];
    if (!r) { detail.hidden = true; return; }
    detail.hidden = false;
    detail.textContent = bodyText([r.block]);
  }

  function apply() {
    const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
    if (hasHealth) {
      const counts = new Map(HEALTH_ORDER.map((s) => [s, 0]));
      for (const r of rows) {
        const s = r.cells.health || 'unknown';
        counts.set(s, (counts.get(s) || 0) + 1);
      }
      chips.update([...counts].reverse(), rows.length, health);
    }
    const out = rows.filter((r) => (!health || (r.cells.health || 'unknown') === health)
      && words.every((w) => r.search.includes(w)));
    title.textContent = `${name} — ${fmtCount(rows.length)} blocks`;
    shown.textContent = out.length === rows.length ? '' : `showing ${fmtCount(out.length)} of ${fmtCount(rows.length)}`;
    table.setRows(out);
  }

  function update(list) {
    rows = toRows(list);
    const cols = columnsOf(list).join('\u0000');
    if (!table || cols !== colNames.join('\u0000')) build();
    apply();
    if (selectedIndex != null) showDetail();
  }

  update(blocks);
  return { el, update };
}
