// A virtualized table: only the rows in (and just around) the visible window exist in the DOM,
// so 100,000 rows cost about as much as 50. Rows have a fixed height; cells are one line with an
// ellipsis and the full text in a tooltip. Click a header to sort.

import { h } from './dom.js';

const ROW_HEIGHT = 30;
const OVERSCAN = 12;

/**
 * options: {
 *   columns: [{ key, title, width (CSS grid track), text(row) → string (for sorting and the
 *               tooltip), render?(row) → Node|string, sort?(row) → comparable }],
 *   rowKey(row) → string, onRowClick?(row), emptyText, label (aria-label), className
 * }
 * Returns { el, setRows(rows), rows(), selectKey(key), scrollToKey(key) }.
 */
export function createVirtualTable(options) {
  const { columns, rowKey } = options;
  const template = columns.map((c) => c.width || '1fr').join(' ');
  let rows = [];
  let sorted = [];
  let sortCol = null;
  let sortDir = 1;
  let selected = null;
  let frame = 0;

  const head = h('div', { class: 'vt-head', role: 'row', style: { gridTemplateColumns: template } },
    columns.map((c, i) => h('div', {
      class: 'vt-th',
      role: 'columnheader',
      tabindex: '0',
      dataset: { col: c.key },
      title: `Sort by ${c.title}`,
      onclick: () => sortBy(i),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(i); } },
    }, c.title, h('span', { class: 'vt-sort' }))));
  const canvas = h('div', { class: 'vt-canvas', role: 'rowgroup' });
  const empty = h('div', { class: 'vt-empty', hidden: true }, options.emptyText || 'No rows.');
  const body = h('div', { class: 'vt-body', onscroll: schedule }, head, canvas, empty);
  const el = h('div', {
    class: `vt ${options.className || ''}`,
    role: 'table',
    'aria-label': options.label || 'table',
  }, body);

  function sortBy(i) {
    if (sortCol === i) sortDir = -sortDir;
    else { sortCol = i; sortDir = 1; }
    for (const [j, th] of [...head.children].entries()) {
      th.setAttribute('aria-sort', j === sortCol ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
      th.lastChild.textContent = j === sortCol ? (sortDir > 0 ? ' ▲' : ' ▼') : '';
    }
    resort();
  }

  function resort() {
    sorted = rows;
    if (sortCol != null) {
      const c = columns[sortCol];
      const key = c.sort || c.text;
      const keyed = rows.map((r) => [key(r), r]);
      keyed.sort((a, b) => (a[0] < b[0] ? -sortDir : a[0] > b[0] ? sortDir : 0));
      sorted = keyed.map((x) => x[1]);
    }
    canvas.style.height = `${sorted.length * ROW_HEIGHT}px`;
    empty.hidden = sorted.length > 0;
    render();
  }

  function schedule() {
    if (frame) return;
    frame = requestAnimationFrame(() => { frame = 0; render(); });
  }

  function render() {
    const top = Math.max(0, body.scrollTop - head.offsetHeight);
    const height = body.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(sorted.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const out = [];
    for (let i = first; i < last; i++) out.push(renderRow(sorted[i], i));
    canvas.replaceChildren(...out);
  }

  function renderRow(row, i) {
    const key = rowKey(row);
    const tr = h('div', {
      class: `vt-row${key === selected ? ' selected' : ''}${i % 2 ? ' odd' : ''}`,
      role: 'row',
      dataset: { key, index: String(i) },
      style: { top: `${i * ROW_HEIGHT}px`, gridTemplateColumns: template },
    });
    if (options.onRowClick) {
      tr.classList.add('clickable');
      tr.addEventListener('click', (e) => {
        if (e.target.closest('a')) return;
        selected = key;
        options.onRowClick(row);
        render();
      });
    }
    for (const c of columns) {
      const text = c.text(row);
      const content = c.render ? c.render(row) : text;
      tr.append(h('div', { class: `vt-cell col-${c.key}`, role: 'cell', title: text }, content));
    }
    return tr;
  }

  return {
    el,
    /** Replaces the rows, keeping sort order, scroll position and selection. */
    setRows(newRows) {
      rows = newRows;
      resort();
    },
    /** The rows in display order. */
    rows: () => sorted,
    /** Highlights the row with this key (null clears). */
    selectKey(key) {
      selected = key;
      render();
    },
    /** Scrolls so that the row with this key is visible. */
    scrollToKey(key) {
      const i = sorted.findIndex((r) => rowKey(r) === key);
      if (i >= 0) body.scrollTop = i * ROW_HEIGHT;
      render();
    },
    /** Re-renders the visible rows (e.g. after the container became visible). */
    refresh: render,
  };
}
