// The component list (`/`): every component of the root module with its health, a filter box
// and counts by health that double as filters. Virtualized, so thousands of components are fine.

import { jsonSource, componentHref } from '../api.js';
import { h, healthBadge, HEALTH_STATES, chipBar, fmtCount, fmtTime, debounce } from '../dom.js';
import { createVirtualTable } from '../vtable.js';

const FILTER_KEY = 'river.list.filter';
const HEALTH_KEY = 'river.list.health';

/** Builds the page; the app calls refresh() on a timer and destroy() on navigation. */
export function listPage() {
  const load = jsonSource('components');
  let all = [];
  let filter = sessionStorage.getItem(FILTER_KEY) || '';
  let health = sessionStorage.getItem(HEALTH_KEY) || null;

  const table = createVirtualTable({
    label: 'Components',
    emptyText: 'No component matches the filter.',
    rowKey: (c) => c.localID,
    columns: [
      {
        key: 'health', title: 'Health', width: '110px',
        text: (c) => c.health?.state || 'unknown',
        sort: (c) => HEALTH_STATES.indexOf(c.health?.state),
        render: (c) => healthBadge(c.health?.state),
      },
      {
        key: 'id', title: 'Component', width: 'minmax(220px, 3fr)',
        text: (c) => c.localID,
        render: (c) => h('a', { href: componentHref(c.localID), class: 'component-link' }, c.localID),
      },
      { key: 'message', title: 'Health message', width: 'minmax(160px, 3fr)', text: (c) => c.health?.message || '' },
      {
        key: 'updated', title: 'Last health change', width: '240px',
        text: (c) => c.health?.updatedTime || '',
        render: (c) => fmtTime(c.health?.updatedTime),
      },
    ],
  });

  const chips = chipBar('Filter by health', (key) => {
    health = key;
    sessionStorage.setItem(HEALTH_KEY, key ?? '');
    apply();
  });
  const input = h('input', {
    type: 'search',
    class: 'filter',
    placeholder: 'Filter by ID, type or message',
    'aria-label': 'Filter components',
    value: filter,
    oninput: debounce(() => {
      filter = input.value;
      sessionStorage.setItem(FILTER_KEY, filter);
      apply();
    }, 80),
  });
  input.value = filter;
  const shown = h('span', { class: 'shown', id: 'shown-count' });

  const el = h('div', { class: 'page page-list' },
    h('div', { class: 'page-head' }, h('h1', null, 'Components'), chips.el),
    h('div', { class: 'toolbar' }, input, shown),
    table.el);

  function apply() {
    const needle = filter.trim().toLowerCase();
    const counts = new Map(HEALTH_STATES.map((s) => [s, 0]));
    for (const c of all) {
      const s = c.health?.state || 'unknown';
      counts.set(s, (counts.get(s) || 0) + 1);
    }
    chips.update(counts, all.length, health);
    const rows = all.filter((c) => (!health || (c.health?.state || 'unknown') === health)
      && (!needle || c._search.includes(needle)));
    shown.textContent = rows.length === all.length
      ? `${fmtCount(all.length)} components`
      : `showing ${fmtCount(rows.length)} of ${fmtCount(all.length)} components`;
    table.setRows(rows);
  }

  return {
    name: 'list',
    title: 'Components',
    nav: 'list',
    el,
    async refresh(signal) {
      const { changed, data } = await load(signal);
      if (!changed) return;
      all = (Array.isArray(data) ? data : []).map((c) => ({
        ...c,
        _search: `${c.localID} ${c.name} ${c.health?.message || ''}`.toLowerCase(),
      }));
      apply();
    },
    destroy() {},
  };
}
